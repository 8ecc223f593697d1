/**
 * CAP and PACELC, measured: the same workload against a CP store (Raft) and AP stores
 * (sloppy quorums, last writer wins) under a partition and under a crash, availability
 * counted as Gilbert and Lynch define it and linearizability checked; and, without
 * partitions, what linearizable reads cost in latency against local ones.
 *
 * ```ts ignore
 * import { runCapPartition, simulatePacelc } from "../lib/cap/mod.ts";
 * ```
 *
 * @module
 */
export * from "./cap_partition.ts";
export * from "./pacelc.ts";
export * from "./cap_figures.ts";
