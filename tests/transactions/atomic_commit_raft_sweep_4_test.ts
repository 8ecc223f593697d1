import { assertCleanRaftCommitSweep } from "./raft_commit_sweep_helpers.ts";

// The 1,000-seed sweep of 2PC over Raft groups is split over four files so a parallel
// test run spreads it over the cores.
Deno.test("2PC over Raft groups: seeds 751–1000 of crashes and partitions stay atomic and recover", () => {
  assertCleanRaftCommitSweep(751, 250);
});
