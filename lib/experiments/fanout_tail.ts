/**
 * The `fanout-tail` experiment: tail latency of requests that fan out to k back ends.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  FanoutBackend,
  FanoutFrontEnd,
  type FanoutMessage,
  type FanoutRecord,
  partsNeeded,
} from "../resilience/fanout.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "./experiment.ts";

/** Zod schema of the `fanout-tail` parameters. */
export const FanoutTailParamsSchema = z.strictObject({
  k: integerAtLeast(1).default(10).describe("Back ends each request fans out to"),
  wait: z.enum(["all", "quorum", "first"]).default("all")
    .describe("Wait for all k replies, a quorum of them, or the first"),
  quorum: integerAtLeast(1).optional()
    .describe("Replies a `quorum` request needs (default a majority of k)"),
  backendLatency: DistributionSchema.prefault({ kind: "lognormal", medianMs: 10, sigma: 1 })
    .describe("Time one back end takes to answer one part, in ms (heavy-tailed by default)"),
  networkLatency: DistributionSchema.prefault({ kind: "constant", ms: 0.5 })
    .describe("One-way network delay between the front end and a back end, in ms"),
  requests: integerAtLeast(1).default(1000).describe("Requests to send"),
  intervalMs: positiveMs().default(10).describe("Gap between requests, in ms"),
  hedgeAfterMs: positiveMs().optional()
    .describe("Re-send parts unanswered after this many ms to spare back ends (default never)"),
}).refine((p) => p.quorum === undefined || p.quorum <= p.k, {
  error: "must be at most k",
  path: ["quorum"],
});

/** Parameters of `fanout-tail`, with defaults applied. */
export type FanoutTailParams = z.output<typeof FanoutTailParamsSchema>;

const FANOUT_TAIL_DEFAULTS: FanoutTailParams = FanoutTailParamsSchema.parse({});

/** One request of a `fanout-tail` run. */
export type FanoutTailRow = {
  /** Back ends the request fanned out to. */
  readonly k: number;
  /** What it waited for. */
  readonly wait: "all" | "quorum" | "first";
  /** Replies it needed. */
  readonly needed: number;
  /** Whether slow parts were hedged. */
  readonly hedged: boolean;
  /** 0, 1, 2, ... in the order sent. */
  readonly requestId: number;
  /** From sending the parts to having the replies needed, in ms. */
  readonly latencyMs: number;
  /** Parts sent, hedges included (the cost of hedging). */
  readonly partsSent: number;
};

/** A finished `fanout-tail` run: the simulation (for its trace) and the front end's records. */
export interface FanoutTailRun {
  /** The finished simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<FanoutMessage>;
  /** The front end's record of each request. */
  readonly records: FanoutRecord[];
  /** The experiment's rows, one per request. */
  readonly rows: FanoutTailRow[];
}

/**
 * Runs one `fanout-tail` trial and returns the simulation with the rows, for readers who
 * want the trace too. Pass `record: true` to keep the trace (off by default: it is large).
 *
 * @example
 * ```ts
 * const { rows } = simulateFanoutTail(fanoutTail.parseParams({ k: 5, requests: 100 }), 1);
 * ```
 */
export function simulateFanoutTail(
  params: FanoutTailParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): FanoutTailRun {
  const simulation = new Simulation<FanoutMessage>({
    seed,
    record: options.record ?? false,
    network: { latency: params.networkLatency },
    replay: replayCommand("fanout-tail", seed, { params, defaults: FANOUT_TAIL_DEFAULTS }),
  });
  const backends: NodeId[] = Array.from({ length: params.k }, (_, i) => `backend-${i + 1}`);
  const hedged = params.hedgeAfterMs !== undefined;
  const spares: NodeId[] = hedged
    ? Array.from({ length: params.k }, (_, i) => `spare-${i + 1}`)
    : [];
  let frontEnd: FanoutFrontEnd | undefined;
  simulation.addNode("frontend", (ctx) =>
    frontEnd = new FanoutFrontEnd(ctx, {
      backends,
      spares,
      wait: params.wait,
      ...(params.quorum === undefined ? {} : { quorum: params.quorum }),
      ...(params.hedgeAfterMs === undefined ? {} : { hedgeAfterMs: params.hedgeAfterMs }),
      requests: params.requests,
      intervalMs: params.intervalMs,
    }));
  const serviceTime = params.backendLatency;
  simulation.addNodes([...backends, ...spares], (ctx) => new FanoutBackend(ctx, { serviceTime }));
  // Every part is answered (nothing fails here), so the run ends: no time bound needed.
  simulation.runUntilTrue(() => frontEnd?.done === true, {
    untilMs: Infinity,
    description: "every request completing",
  });
  const needed = partsNeeded(params.k, params.wait, params.quorum);
  const records = (frontEnd as FanoutFrontEnd).records;
  const rows = records.map((record): FanoutTailRow => ({
    k: params.k,
    wait: params.wait,
    needed,
    hedged,
    requestId: record.requestId,
    latencyMs: record.latencyMs as number,
    partsSent: record.partsSent,
  }));
  return { simulation, records, rows };
}

/**
 * `fanout-tail`: a front end fans each request out to `k` back ends whose answer times
 * are heavy-tailed, and waits for all of them (or a quorum, or the first; optionally
 * hedging slow parts). One row per request. Sweeping k shows the p99 of "wait for all"
 * growing with k: with k parts, the chance that at least one is slower than the back
 * end's own p99 is 1 − 0.99^k (about 63% at k = 100).
 *
 * @example
 * ```ts
 * const rows = fanoutTail.run({ k: 20 }, 1);
 * ```
 */
export const fanoutTail = defineExperiment({
  name: "fanout-tail",
  title: "Tail latency of fan-out requests",
  description: "A front end sends each request to k back ends with heavy-tailed answer " +
    "times and completes it when all (or a quorum, or the first) have answered. One row " +
    "per request with its latency; the p99 of waiting for all grows with k.",
  chapter: "01_what_is_a_distributed_system",
  params: FanoutTailParamsSchema,
  trial: (params, seed) => simulateFanoutTail(params, seed).rows,
});
