/**
 * Speed of the Paxos sweeps: a batch of single-decree fault trials (five processes, three
 * proposers, both safety properties after every event) and one Multi-Paxos key-value
 * trial (the faults and workload of `raft-kv`, with the linearizability check).
 * `tools/bench.ts` turns each benchmark's time per iteration into trials per second.
 *
 * @module
 */
import { runMultiPaxosTrial } from "../lib/consensus/multi_paxos_trial.ts";
import { runPaxosTrial } from "../lib/consensus/paxos_trial.ts";
import type { BenchReport } from "./report.ts";

/** Single-decree trials per benchmark iteration. */
const PAXOS_BATCH = 100;

let seed = 0;

Deno.bench({
  name: "paxos-100",
  group: "paxos",
  fn: () => {
    for (let i = 0; i < PAXOS_BATCH; i++) runPaxosTrial({}, ++seed);
  },
});

Deno.bench({
  name: "multi-paxos-kv-trial",
  group: "paxos",
  fn: () => {
    runMultiPaxosTrial({}, ++seed);
  },
});

/** One JSON line per benchmark: trials per second from the mean time per iteration. */
export const REPORTS: readonly BenchReport[] = [
  {
    name: "paxos-100",
    line: (meanNs) => ({ name: "paxos", trials_per_s: Math.round(PAXOS_BATCH * 1e9 / meanNs) }),
  },
  {
    name: "multi-paxos-kv-trial",
    line: (meanNs) => ({
      name: "multi-paxos-kv-trial",
      trials_per_s: Math.round(1e9 / meanNs),
    }),
  },
];
