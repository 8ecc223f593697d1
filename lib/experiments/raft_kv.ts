/**
 * The `raft-kv` experiment: the Raft key-value store under random faults, one row per
 * run with its throughput, its latency, the outcome of every client operation and the
 * linearizability verdict of the history. Sweep `faultsPerSecond` to see how faults cost
 * throughput and latency but never correctness.
 *
 * @module
 */
import { type RaftKvParamsSchema, type RaftKvRow, raftKvTrial } from "../consensus/raft_trial.ts";
import type { Experiment } from "./experiment.ts";
import { trialExperiment } from "./trial_experiment.ts";

/**
 * `raft-kv`: clients read, write and cas keys of a five-server Raft store while a nemesis
 * partitions, crashes, pauses and jumps the clocks of servers (aiming at the leader half
 * the time) over a lossy, duplicating, reordering network. One row per run; a run whose
 * invariants break says so in `violation`, and `linearizable` is the checker's verdict.
 *
 * @example
 * ```ts
 * import { sweepLines } from "../viz/charts.ts";
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(raftKv, { grid: { faultsPerSecond: [0, 2, 5, 10] }, seeds: 20 });
 * sweepLines(rows, { x: "faultsPerSecond", y: "throughputOpsPerSec" });
 * ```
 */
export const raftKv: Experiment<typeof RaftKvParamsSchema, RaftKvRow> = trialExperiment(
  raftKvTrial(),
  {
    title: "Throughput, latency and linearizability of the Raft key-value store under faults",
    description: "Clients run reads, writes and compare-and-sets on a Raft cluster while a " +
      "nemesis partitions, crashes, pauses and skews servers. One row per run: completed and " +
      "unknown operations, throughput, median and 99th percentile latency, elections, the " +
      "time to commit again after the last fault, any broken invariant, and whether the " +
      "history is linearizable.",
    chapter: "05_raft_log_replication",
  },
);
