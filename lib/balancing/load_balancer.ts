/**
 * The `load-balancer` experiment: Poisson arrivals to n FIFO servers with exponential
 * service, dispatched by a policy that may see stale queue lengths. With `p2c` and no
 * staleness it is Mitzenmacher's supermarket model; with a load board refreshed every
 * `staleMs` it is his "old information" model, where greedy policies herd.
 *
 * The run is a dedicated event loop over the simulator's {@link EventQueue} rather than
 * nodes exchanging messages: a hundred thousand requests to a hundred servers take well
 * under a second that way. Because a server is FIFO, a request's departure time is known
 * when it arrives; the queue holds the departures (which shorten queues) and the board's
 * refreshes.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import { EventQueue } from "../sim/event_queue.ts";
import { Random } from "../sim/random.ts";
import { type ChoosePolicy, createPolicy, POLICIES } from "./policies.ts";
import { supermarketSojourn } from "./supermarket.ts";

/** Zod schema of the `load-balancer` parameters. */
export const LoadBalancerParamsSchema = z.strictObject({
  policy: z.enum(POLICIES).default("p2c").describe("How the balancer picks a server"),
  d: integerAtLeast(1).default(2).describe("Servers p2c samples per request"),
  servers: integerAtLeast(1).max(10_000, { error: "must be at most 10000" }).default(100)
    .describe("FIFO servers"),
  utilization: z.number().gt(0, { error: "must be greater than 0" })
    .lt(1, { error: "must be less than 1 (the queues would grow without bound)" })
    .default(0.9).describe("Arrival rate over total service capacity, λ"),
  serviceMeanMs: positiveMs().default(10)
    .describe("Mean service time on a server of average speed (exponential), in ms"),
  staleMs: nonNegativeMs().default(0)
    .describe("The load board is refreshed every staleMs (0: always current)"),
  speedRatio: z.number().min(1, { error: "must be at least 1" }).default(1)
    .describe("Fastest server's speed over the slowest's; speeds spread geometrically, mean 1"),
  requests: integerAtLeast(10).max(5_000_000, { error: "must be at most 5000000" })
    .default(100_000).describe("Requests to send"),
  warmupFraction: z.number().min(0, { error: "must be between 0 and 0.9" })
    .max(0.9, { error: "must be between 0 and 0.9" }).default(0.1)
    .describe("Leading fraction of requests left out of the statistics (queues start empty)"),
}).refine((p) => p.d <= p.servers, { error: "must be at most servers", path: ["d"] });

/** Parameters of `load-balancer`, with defaults applied. */
export type LoadBalancerParams = z.output<typeof LoadBalancerParamsSchema>;

/** One `load-balancer` trial. */
export type LoadBalancerRow = {
  /** The policy. */
  readonly policy: string;
  /** Choices per request (p2c); 1 for random, servers for jsq and least-connections. */
  readonly d: number;
  /** Servers. */
  readonly servers: number;
  /** λ. */
  readonly utilization: number;
  /** Board refresh period, in ms. */
  readonly staleMs: number;
  /** Fastest over slowest server speed. */
  readonly speedRatio: number;
  /** Requests measured (after the warm-up). */
  readonly measured: number;
  /** Mean time in system (waiting plus service), in ms. */
  readonly meanSojournMs: number;
  /** Median time in system, in ms. */
  readonly p50Ms: number;
  /** 99th percentile, in ms. */
  readonly p99Ms: number;
  /** 99.9th percentile, in ms. */
  readonly p999Ms: number;
  /** The longest queue any request joined (requests already there). */
  readonly maxQueue: number;
  /**
   * The supermarket fixed point T_d(λ) · serviceMeanMs for random (d = 1) and p2c on
   * equal servers with a current view; null otherwise.
   */
  readonly theoryMeanMs: number | null;
};

/** A queue-length snapshot, for pictures of herding. */
export type QueueSample = {
  /** Virtual time, in ms. */
  readonly tMs: number;
  /** The server. */
  readonly server: number;
  /** Requests in its system at that moment. */
  readonly queue: number;
};

/** Options of {@link simulateLoadBalancer}. */
export interface LoadBalancerRunOptions {
  /** A policy of your own, used instead of `params.policy` (it sees the possibly stale view). */
  readonly choose?: ChoosePolicy;
  /** A deliberately broken p2c that compares a server with itself (for tests). */
  readonly brokenSameChoice?: boolean;
  /** Record every server's queue every `everyMs` from `fromMs` to `toMs`. */
  readonly sampleQueues?: {
    readonly everyMs: number;
    readonly fromMs: number;
    readonly toMs: number;
  };
}

/** A finished `load-balancer` run. */
export interface LoadBalancerRun {
  /** The summary row. */
  readonly row: LoadBalancerRow;
  /** Each measured request's time in system, in ms, in arrival order. */
  readonly sojournsMs: Float64Array;
  /** The queue snapshots asked for (empty otherwise). */
  readonly queueSamples: QueueSample[];
  /** Server speeds (mean 1). */
  readonly speeds: readonly number[];
}

interface Departure {
  readonly time: number;
  readonly seq: number;
  /** The server, or -1 for a board refresh. */
  readonly server: number;
}

/**
 * Server speeds spread geometrically from slowest to fastest with the given ratio,
 * scaled to mean 1 so the total capacity does not depend on the spread.
 *
 * @example
 * ```ts
 * serverSpeeds(3, 4); // [0.43, 0.86, 1.71]: the fastest is 4× the slowest
 * ```
 */
export function serverSpeeds(servers: number, speedRatio: number): number[] {
  const raw = Array.from(
    { length: servers },
    (_, i) => servers === 1 ? 1 : speedRatio ** (i / (servers - 1)),
  );
  const mean = raw.reduce((sum, s) => sum + s, 0) / servers;
  return raw.map((s) => s / mean);
}

/**
 * Runs one `load-balancer` trial. Arrivals, work sizes and the policy's choices come
 * from separate named streams of the seed, so two policies run on the same seed see the
 * same requests with the same work (a paired comparison).
 *
 * @example
 * ```ts
 * const { row } = simulateLoadBalancer(loadBalancer.parseParams({ policy: "p2c" }), 1);
 * row.meanSojournMs / 10; // ≈ 2.67: T_2(0.9) = 2.614, plus about 2% at n = 100
 * ```
 */
export function simulateLoadBalancer(
  params: LoadBalancerParams,
  seed: number,
  options: LoadBalancerRunOptions = {},
): LoadBalancerRun {
  const n = params.servers;
  const random = new Random(seed, "load-balancer");
  const arrivals = random.child("arrivals");
  const work = random.child("work");
  const policyRandom = random.child("policy");
  const speeds = serverSpeeds(n, params.speedRatio);
  const choose = options.choose ?? createPolicy(params.policy, n, {
    d: params.d,
    weights: speeds,
    ...(options.brokenSameChoice === true ? { brokenSameChoice: true } : {}),
  });
  const oracle = params.policy === "jsq" && options.choose === undefined;
  const queue = new Int32Array(n);
  const stale = params.staleMs > 0;
  const board = stale ? new Int32Array(n) : queue;
  const lastDeparture = new Float64Array(n);
  const events = new EventQueue<Departure>();
  let seq = 0;
  if (stale) events.push({ time: params.staleMs, seq: seq++, server: -1 });
  const interArrivalMeanMs = params.serviceMeanMs / (params.utilization * n);
  const warmup = Math.floor(params.requests * params.warmupFraction);
  const sojourns = new Float64Array(params.requests - warmup);
  const samples: QueueSample[] = [];
  const sampling = options.sampleQueues;
  let nextSampleMs = sampling?.fromMs ?? Infinity;
  let now = 0, maxQueue = 0;
  for (let request = 0; request < params.requests; request++) {
    now += arrivals.exponential(interArrivalMeanMs);
    // Everything due before this arrival: departures shorten queues, refreshes copy them.
    for (let next = events.peek(); next !== undefined && next.time <= now; next = events.peek()) {
      events.pop();
      while (sampling !== undefined && nextSampleMs <= next.time && nextSampleMs <= sampling.toMs) {
        for (let s = 0; s < n; s++) {
          samples.push({ tMs: nextSampleMs, server: s, queue: queue[s]! });
        }
        nextSampleMs += sampling.everyMs;
      }
      if (next.server < 0) {
        board.set(queue);
        events.push({ time: next.time + params.staleMs, seq: seq++, server: -1 });
      } else if (--queue[next.server]! < 0) {
        // An invariant, checked as the run goes: a server never departs more than it got.
        throw new Error(`Cannot depart from server ${next.server} at ${next.time} ms: it is empty`);
      }
    }
    const server = oracle ? choose(queue, policyRandom) : choose(board, policyRandom);
    if (!Number.isInteger(server) || server < 0 || server >= n) {
      throw new RangeError(
        `Cannot dispatch request ${request}: the policy chose server ${server}, not one of 0..${
          n - 1
        }`,
      );
    }
    maxQueue = Math.max(maxQueue, queue[server]!);
    const serviceMs = work.exponential(params.serviceMeanMs) / speeds[server]!;
    const departure = Math.max(now, lastDeparture[server]!) + serviceMs;
    lastDeparture[server] = departure;
    queue[server]!++;
    events.push({ time: departure, seq: seq++, server });
    if (request >= warmup) sojourns[request - warmup] = departure - now;
  }
  const sorted = sojourns.slice().sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let total = 0;
  for (const x of sojourns) total += x;
  const d = params.policy === "p2c" ? params.d : params.policy === "random" ? 1 : n;
  const homogeneousFresh = params.speedRatio === 1 && !stale && options.choose === undefined;
  const theory = homogeneousFresh && (params.policy === "p2c" || params.policy === "random")
    ? supermarketSojourn(params.utilization, d) * params.serviceMeanMs
    : null;
  return {
    row: {
      policy: options.choose === undefined ? params.policy : "custom",
      d,
      servers: n,
      utilization: params.utilization,
      staleMs: params.staleMs,
      speedRatio: params.speedRatio,
      measured: sojourns.length,
      meanSojournMs: total / sojourns.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxQueue,
      theoryMeanMs: theory,
    },
    sojournsMs: sojourns,
    queueSamples: samples,
    speeds,
  };
}

/**
 * `load-balancer`: Poisson arrivals at rate λ·n/serviceMeanMs to n FIFO servers with
 * exponential service, dispatched by round robin, weighted round robin, least
 * connections, random, the power of d choices (p2c) or join the shortest queue (jsq, on
 * current information). Every policy but jsq reads a load board refreshed every staleMs.
 * One row per seed with the mean, p50, p99 and p99.9 time in system.
 */
export const loadBalancer = defineExperiment({
  name: "load-balancer",
  title: "Time in system under a load-balancing policy",
  description: "Poisson arrivals to n FIFO servers with exponential service (optionally " +
    "of unequal speeds), dispatched by a policy reading a load board refreshed every " +
    "staleMs. One row per seed with the mean and tail time in system. With p2c on equal " +
    "servers and a current board it is the supermarket model, whose fixed point gives " +
    "T_2(0.9) = 2.614 service times.",
  chapter: "16_load_balancing",
  params: LoadBalancerParamsSchema,
  trial: (params, seed) => [simulateLoadBalancer(params, seed).row],
});
