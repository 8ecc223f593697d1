/**
 * The `lww-skew` experiment (chapter 02): a last-writer-wins register on replicas whose
 * clocks disagree, written by one client one write at a time. Every write is
 * acknowledged by every replica; the experiment counts those whose value is gone once
 * the replicas agree, because an older write carried a larger timestamp.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs } from "../config/mod.ts";
import {
  LwwClient,
  type LwwClockKind,
  type LwwMessage,
  LwwReplica,
  type LwwWriteRecord,
} from "../clocks/lww_register.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/** Zod schema of the parameters of {@link lwwSkew}. */
export const LwwSkewParamsSchema = z.strictObject({
  maxSkewMs: nonNegativeMs().default(20)
    .describe(
      "Largest difference between two replicas' clocks, in ms; offsets are spread evenly " +
        "from -maxSkewMs/2 to +maxSkewMs/2",
    ),
  replicas: integerAtLeast(1).max(50, { error: "must be at most 50" }).default(3)
    .describe("Replicas of the register"),
  writes: integerAtLeast(1).max(100_000, { error: "must be at most 100000" }).default(200)
    .describe("Writes the client makes, one after the other"),
  meanGapMs: positiveMs().default(5)
    .describe("Mean pause between a write's read-back and the next write, in ms"),
  latency: DistributionSchema.default({ kind: "uniform", minMs: 0.5, maxMs: 2 })
    .describe("One-way delay of every message (a distribution, as JSON); default a fast LAN"),
  clock: z.enum(["physical", "lamport", "hlc"]).default("physical")
    .describe("What stamps writes: physical clocks, a Lamport clock or a hybrid logical clock"),
});

/** The validated parameters of {@link lwwSkew}. */
export type LwwSkewParams = z.output<typeof LwwSkewParamsSchema>;

/** The outcome of one `lww-skew` run. */
export type LwwSkewRow = {
  /** The largest skew between two replicas' clocks, in ms. */
  readonly maxSkewMs: number;
  /** What stamped the writes. */
  readonly clock: LwwClockKind;
  /** Writes made. */
  readonly writes: number;
  /** Writes every replica acknowledged. */
  readonly acknowledged: number;
  /** Acknowledged writes whose value was gone when read back from the converged replicas. */
  readonly lost: number;
  /** lost / acknowledged. */
  readonly lostFraction: number;
  /** Acknowledgements stamped earlier, on the replica's clock, than the request on the client's. */
  readonly repliesStampedBeforeRequest: number;
  /** Whether every replica ended with the same value. */
  readonly converged: boolean;
};

/** A finished `lww-skew` run. */
export interface LwwSkewRun {
  /** The finished simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<LwwMessage>;
  /** The replicas' ids, r1, r2, ..., and their clock offsets in ms. */
  readonly replicas: readonly { readonly id: NodeId; readonly offsetMs: number }[];
  /** The client's writes, in order. */
  readonly writes: readonly LwwWriteRecord[];
  /** The experiment's row. */
  readonly row: LwwSkewRow;
}

const DEFAULTS = LwwSkewParamsSchema.parse({});

/**
 * The clock offsets of `replicas` replicas spread evenly over [-maxSkewMs/2, +maxSkewMs/2]
 * (one replica: 0), so the largest difference is exactly maxSkewMs.
 *
 * @example
 * ```ts
 * replicaOffsets(3, 20); // [-10, 0, 10]
 * ```
 */
export function replicaOffsets(replicas: number, maxSkewMs: number): number[] {
  if (replicas === 1) return [0];
  return Array.from(
    { length: replicas },
    (_, i) => -maxSkewMs / 2 + maxSkewMs * i / (replicas - 1),
  );
}

/**
 * Runs one `lww-skew` trial: replicas r1, r2, ... with evenly spread clock offsets, and a
 * `client` with a perfect clock making `writes` writes one after the other. Pass
 * `record: true` to keep the trace.
 *
 * @example
 * ```ts
 * const run = simulateLwwSkew(lwwSkew.parseParams({ maxSkewMs: 50 }), 1, { record: true });
 * run.writes.filter((w) => w.lost);
 * ```
 */
export function simulateLwwSkew(
  params: LwwSkewParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): LwwSkewRun {
  const ids = Array.from({ length: params.replicas }, (_, i) => `r${i + 1}`);
  const offsets = replicaOffsets(params.replicas, params.maxSkewMs);
  const simulation = new Simulation<LwwMessage>({
    seed,
    record: options.record ?? false,
    network: { latency: params.latency },
    clocks: Object.fromEntries(ids.map((id, i) => [id, { offsetMs: offsets[i] as number }])),
    replay: replayCommand("lww-skew", seed, { params, defaults: DEFAULTS }),
  });
  simulation.addNodes(ids, (ctx) => new LwwReplica(ctx, { replicas: ids, clock: params.clock }));
  simulation.addNode(
    "client",
    (ctx) =>
      new LwwClient(ctx, { replicas: ids, writes: params.writes, meanGapMs: params.meanGapMs }),
  );
  simulation.runUntilQuiet({ untilMs: Infinity, description: "every write read back" });
  const writes = simulation.node<LwwClient>("client")?.records ?? [];
  const lost = writes.filter((write) => write.lost).length;
  const finalValues = new Set(ids.map((id) => simulation.node<LwwReplica>(id)?.value));
  const row: LwwSkewRow = {
    maxSkewMs: params.maxSkewMs,
    clock: params.clock,
    writes: params.writes,
    acknowledged: writes.length,
    lost,
    lostFraction: writes.length === 0 ? 0 : lost / writes.length,
    repliesStampedBeforeRequest: params.clock === "lamport"
      ? 0
      : writes.filter((write) => write.stamp.timeMs < write.requestMs).length,
    converged: finalValues.size === 1,
  };
  return {
    simulation,
    replicas: ids.map((id, i) => ({ id, offsetMs: offsets[i] as number })),
    writes,
    row,
  };
}

/**
 * `lww-skew`: the fraction of acknowledged writes a last-writer-wins register loses when
 * its replicas' clocks disagree by up to `maxSkewMs` (chapter 02). One row per run.
 *
 * @example
 * ```ts
 * const [row] = lwwSkew.run({ maxSkewMs: 100 }, 1);
 * row?.lostFraction; // a good share of the writes
 * ```
 */
export const lwwSkew: Experiment<typeof LwwSkewParamsSchema, LwwSkewRow> = defineExperiment({
  name: "lww-skew",
  title: "Acknowledged writes lost by last-writer-wins under clock skew",
  description: "A client writes 1, 2, 3, ... to a register replicated on `replicas` nodes, " +
    "one write at a time, each through a random replica that stamps it with its clock and " +
    "acknowledges it once every replica has it. Replica clocks are offset evenly across " +
    "maxSkewMs. After each acknowledgement the client reads the register back: " +
    "lostFraction is the fraction of writes whose value was already gone, beaten by an " +
    "older write with a larger stamp.",
  chapter: "02_time_and_order",
  params: LwwSkewParamsSchema,
  trial: (params, seed) => [simulateLwwSkew(params, seed).row],
});
