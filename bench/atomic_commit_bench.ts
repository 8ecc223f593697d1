/**
 * Speed of the atomic-commit chapter's experiment: one seed of each protocol with crashes,
 * 1.5 s of virtual time as the chapter runs it. Targets: a few ms for 2PC and 3PC (four
 * nodes), a few tens of ms for 2PC over Raft groups (twelve servers, heartbeats), so the
 * chapter's 180-run sweep stays near a second and a 1,000-seed sweep within a minute.
 *
 * @module
 */
import { atomicCommit } from "../lib/transactions/mod.ts";
import type { BenchReport } from "./report.ts";

const PROTOCOLS = ["2pc", "3pc", "2pc-raft"] as const;

/** One JSON line per protocol: milliseconds per seed. */
export const REPORTS: readonly BenchReport[] = PROTOCOLS.map((protocol) => {
  const name = `atomic-commit-${protocol}`;
  return {
    name,
    line: (meanNs: number) => ({ name, ms_per_seed: Math.round((meanNs / 1e6) * 10) / 10 }),
  };
});

for (const protocol of PROTOCOLS) {
  Deno.bench({
    name: `atomic-commit-${protocol}`,
    group: "atomic-commit",
    n: protocol === "2pc-raft" ? 10 : 40,
    fn: () => void atomicCommit.run({ protocol, runMs: 1_500 }, 1),
  });
}
