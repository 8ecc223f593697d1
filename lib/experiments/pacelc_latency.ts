/**
 * The `pacelc-latency` experiment: what linearizable reads cost when nothing fails
 * (see lib/cap/pacelc.ts).
 *
 * @module
 */
import { PacelcParamsSchema, type PacelcRow, simulatePacelc } from "../cap/pacelc.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/**
 * `pacelc-latency`: three sites, a server and a client at each, no faults; reads by Raft
 * ReadIndex, through the Raft log, by quorum (R = W = 2 of 3, ABD) or locally (R = 1).
 * One row per seed: read latency (median, 99th percentile), write latency and whether
 * the history is linearizable.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(pacelcLatency, { grid: { reads: ["quorum", "local"] }, seeds: 5 });
 * ```
 */
export const pacelcLatency: Experiment<typeof PacelcParamsSchema, PacelcRow> = defineExperiment({
  name: "pacelc-latency",
  title: "PACELC measured: the latency of linearizable reads against local ones, no faults",
  description: "Three sites a millisecond apart inside and tens of milliseconds between; " +
    "a server and a client at each. Reads go through Raft (ReadIndex or the log), a " +
    "majority quorum with write-back, or the nearest replica. One row per seed: median " +
    "and 99th percentile read latency, median write latency, and whether the history is " +
    "linearizable.",
  chapter: "10_cap_pacelc",
  params: PacelcParamsSchema,
  trial: (params, seed) => [simulatePacelc(params, seed).row],
});
