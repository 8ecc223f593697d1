/**
 * A traced fan-out request: a client calls `frontend`, which checks `auth`, then calls
 * `search` and `ads` together; `search` fans out to its index shards, one of which is now
 * and then slow. Each request's spans are collected from the simulator's trace, and the
 * critical path says which of them the request waited on.
 *
 * The `trace-fanout` experiment: one request per seed, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  criticalPath,
  type CriticalSegment,
  type ServicePlan,
  type Span,
  spansFromTrace,
  TracedService,
  TracingClient,
  type TracingMessage,
} from "./tracing.ts";

/** Zod schema of the `trace-fanout` parameters. */
export const TraceFanoutParamsSchema = z.strictObject({
  shards: integerAtLeast(1).default(4).describe("Index shards search fans out to"),
  slowProbability: probability().default(0.1)
    .describe("Chance that a shard's work is slow"),
  slowMs: positiveMs().default(60).describe("A slow shard's work, in ms"),
  maxClockOffsetMs: nonNegativeMs().default(0)
    .describe("Each service's clock is off by up to this, either way, in ms"),
  maxLatencyMs: positiveMs().default(2)
    .describe("One-way latency is uniform between 0.5 ms and this, in ms"),
  requests: integerAtLeast(1).default(1).describe("Requests, one after another"),
}).refine((p) => p.maxLatencyMs >= 0.5, {
  error: "must be at least 0.5 ms (latency is uniform from 0.5 ms)",
  path: ["maxLatencyMs"],
});

/** The `trace-fanout` parameters, with defaults applied. */
export type TraceFanoutParams = z.output<typeof TraceFanoutParamsSchema>;

/** What the services of the fan-out do, by name. */
export function fanoutPlans(params: TraceFanoutParams): Record<NodeId, ServicePlan> {
  const shards = Array.from({ length: params.shards }, (_, i) => `shard-${i + 1}`);
  const plans: Record<NodeId, ServicePlan> = {
    frontend: { workMs: [2, 4], stages: [["auth"], ["search", "ads"]] },
    auth: { workMs: [2, 5] },
    search: { workMs: [1, 2], stages: [shards] },
    ads: { workMs: [10, 25] },
  };
  for (const shard of shards) {
    plans[shard] = {
      workMs: [5, 15],
      slowProbability: params.slowProbability,
      slowMs: params.slowMs,
    };
  }
  return plans;
}

/** The traces of a run: spans grouped by trace id, in the order the requests were sent. */
export function runTraceFanout(
  params: TraceFanoutParams,
  seed: number,
): { readonly simulation: Simulation<TracingMessage>; readonly traces: Span[][] } {
  const plans = fanoutPlans(params);
  const services = Object.keys(plans);
  const clockRandom = new Random(seed).child("clocks");
  const simulation = new Simulation<TracingMessage>({
    seed,
    network: { latency: { kind: "uniform", minMs: 0.5, maxMs: params.maxLatencyMs } },
    clocks: Object.fromEntries(services.map((id) => [id, {
      offsetMs: clockRandom.uniform(-params.maxClockOffsetMs, params.maxClockOffsetMs),
    }])),
  });
  for (const id of services) {
    simulation.addNode<{ readonly callId: number }>(
      id,
      (ctx) => new TracedService(ctx, plans[id]!),
    );
  }
  simulation.addNode(
    "client",
    (ctx) => new TracingClient(ctx, { entry: "frontend", requests: params.requests }),
  );
  simulation.runUntilQuiet();
  const byTrace = new Map<string, Span[]>();
  for (const span of spansFromTrace(simulation.trace)) {
    const list = byTrace.get(span.traceId) ?? [];
    list.push(span);
    byTrace.set(span.traceId, list);
  }
  // Each trace's root ends last among its spans; order traces by their root's start.
  const traces = [...byTrace.values()].sort((a, b) => rootOf(a).startMs - rootOf(b).startMs);
  return { simulation, traces };
}

function rootOf(spans: readonly Span[]): Span {
  return spans.find((span) => span.parentSpanId === null)!;
}

/** The services on a critical path, in order, each once per visit ("client → frontend → ..."). */
export function describePath(path: readonly CriticalSegment[]): string {
  const names: string[] = [];
  for (const segment of path) {
    if (!names.includes(segment.span.service)) names.push(segment.span.service);
  }
  return names.join(" → ");
}

/** The rows of the `trace-fanout` experiment. */
export type TraceFanoutRow = {
  /** The request's latency, as the client's root span measured it, in ms. */
  readonly requestMs: number;
  /** Spans in the trace. */
  readonly spans: number;
  /** The services on the critical path, in order. */
  readonly criticalPath: string;
  /** The shard on the critical path. */
  readonly criticalShard: string;
  /** Whether that shard is the slowest shard (it must be). */
  readonly slowestShardOnPath: boolean;
  /** The critical path's time, summed, minus the request's latency, in ms (must be 0). */
  readonly pathGapMs: number;
  /** Time the request spent in search's shards, on the path, in ms. */
  readonly shardMs: number;
};

/** The `trace-fanout` experiment. */
export const traceFanout = defineExperiment({
  name: "trace-fanout",
  title: "The critical path of a traced fan-out request",
  description: "A request fans out through frontend, auth, search (to index shards) and " +
    "ads; its spans are collected from the trace. One row per seed: the latency and the " +
    "services on the critical path.",
  chapter: "21_architecture",
  params: TraceFanoutParamsSchema,
  trial: (params, seed): TraceFanoutRow[] => {
    const { traces } = runTraceFanout({ ...params, requests: 1 }, seed);
    const spans = traces[0]!;
    const root = rootOf(spans);
    const path = criticalPath(spans);
    const shards = spans.filter((span) => span.service.startsWith("shard-"));
    const slowest = shards.reduce((a, b) => (b.endMs > a.endMs ? b : a));
    const onPath = path.find((segment) => segment.span.service.startsWith("shard-"));
    const total = path.reduce((sum, segment) => sum + segment.selfMs, 0);
    return [{
      requestMs: round(root.endMs - root.startMs),
      spans: spans.length,
      criticalPath: describePath(path),
      criticalShard: onPath?.span.service ?? "",
      slowestShardOnPath: onPath === undefined ? false : onPath.span.spanId === slowest.spanId,
      pathGapMs: round(total - (root.endMs - root.startMs)),
      shardMs: round(onPath?.selfMs ?? 0),
    }];
  },
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
