/**
 * Speed of the Raft sweeps: one fault trial of `raft-kv` (five servers, three clients,
 * three seconds of faults, invariants after every event, the linearizability check),
 * and a batch of `raft-failover` trials (Figure 16). `tools/bench.ts` turns each
 * benchmark's time per iteration into trials per second.
 *
 * @module
 */
import { runRaftTrial } from "../lib/consensus/raft_trial.ts";
import { raftFailover } from "../lib/experiments/raft_failover.ts";
import type { BenchReport } from "./report.ts";

/** Failover trials per benchmark iteration. */
const FAILOVER_BATCH = 100;

let seed = 0;

Deno.bench({
  name: "raft-kv-trial",
  group: "raft",
  fn: () => {
    runRaftTrial({}, ++seed);
  },
});

Deno.bench({
  name: "raft-failover-100",
  group: "raft",
  fn: () => {
    for (let i = 0; i < FAILOVER_BATCH; i++) raftFailover.run({}, ++seed);
  },
});

/** One JSON line per benchmark: trials per second from the mean time per iteration. */
export const REPORTS: readonly BenchReport[] = [
  {
    name: "raft-kv-trial",
    line: (meanNs) => ({ name: "raft-kv-trial", trials_per_s: Math.round(1e9 / meanNs) }),
  },
  {
    name: "raft-failover-100",
    line: (meanNs) => ({
      name: "raft-failover",
      trials_per_s: Math.round(FAILOVER_BATCH * 1e9 / meanNs),
    }),
  },
];
