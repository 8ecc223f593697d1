/**
 * The `cap-partition` experiment: CAP measured, one row per seed (see lib/cap).
 *
 * @module
 */
import {
  CAP_PARTITION_TRIAL,
  type CapPartitionParamsSchema,
  type CapPartitionRow,
} from "../cap/cap_partition.ts";
import type { Experiment } from "./experiment.ts";
import { trialExperiment } from "./trial_experiment.ts";

/**
 * `cap-partition`: the same workload against the Raft store (CP), the sloppy-quorum
 * store and the last-writer-wins store (AP) while a minority of servers, with some
 * clients, is partitioned off or crashed. One row per seed: availability overall and on
 * each side, and the history's linearizability.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(capPartition, { grid: { store: ["raft-kv", "quorum-kv", "lww-kv"] }, seeds: 5 });
 * ```
 */
export const capPartition: Experiment<typeof CapPartitionParamsSchema, CapPartitionRow> =
  trialExperiment(CAP_PARTITION_TRIAL, {
    title: "CAP measured: availability and linearizability of CP and AP stores in a partition",
    description: "Clients read and write keys of a Raft store, a leaderless store with " +
      "sloppy quorums, or a last-writer-wins store while a minority of the servers, with " +
      "some clients, is partitioned off (or crashed). One row per seed: the fraction of " +
      "requests issued during the fault that got a non-error answer, overall and on each " +
      "side, and whether the history is linearizable.",
    chapter: "10_cap_pacelc",
  });
