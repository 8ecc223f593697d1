/**
 * Containing a failing dependency. A gateway serves two kinds of request, each needing one
 * call to its own dependency (A or B), with a pool of workers shared by both or split
 * into bulkheads, and optionally a circuit breaker per dependency. When B turns slow, its
 * calls hold workers until they time out: with one shared pool they take every worker
 * and requests for the healthy A fail too. Bulkheads keep A's workers for A; a breaker
 * fails B's calls fast, so they hold no worker at all, and probes B until it recovers.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, nonNegativeNumber, positiveMs } from "../config/mod.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { Bulkhead } from "./bulkhead.ts";
import {
  type BreakerPermit,
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
} from "./circuit_breaker.ts";

/** The two dependencies. */
export type DependencyName = "a" | "b";

/** Messages between the load generator, the gateway and the dependencies. */
export type GatewayMessage =
  | { readonly type: "request"; readonly requestId: number; readonly dependency: DependencyName }
  | {
    readonly type: "response";
    readonly requestId: number;
    readonly ok: boolean;
    readonly why: "ok" | "timeout" | "no-worker" | "breaker-open";
  }
  | { readonly type: "call"; readonly callId: number }
  | { readonly type: "call-reply"; readonly callId: number };

/** Options of a {@link SlowableDependency}. */
export interface SlowableDependencyOptions {
  /** Usual time to answer, ms. */
  readonly serviceMs: number;
  /** While slow: from this time, ms. */
  readonly slowFromMs: number;
  /** While slow: until this time, ms. */
  readonly slowUntilMs: number;
  /** Time to answer while slow, ms. */
  readonly slowServiceMs: number;
}

/** A dependency that answers every call in parallel, slowly during a window of time. */
export class SlowableDependency implements Node<GatewayMessage, { to: NodeId; callId: number }> {
  readonly #ctx: NodeContext<GatewayMessage, { to: NodeId; callId: number }>;
  readonly #options: SlowableDependencyOptions;

  /** A dependency acting through `ctx`. */
  constructor(
    ctx: NodeContext<GatewayMessage, { to: NodeId; callId: number }>,
    options: SlowableDependencyOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Answers a call after its service time. */
  onMessage(from: NodeId, message: GatewayMessage): void {
    if (message.type !== "call") return;
    const now = this.#ctx.now();
    const { slowFromMs, slowUntilMs } = this.#options;
    const slow = now >= slowFromMs && now < slowUntilMs;
    const baseMs = slow ? this.#options.slowServiceMs : this.#options.serviceMs;
    // A little spread (±20%) so answers do not arrive in lockstep.
    this.#ctx.setTimer(baseMs * this.#ctx.random.uniform(0.8, 1.2), {
      to: from,
      callId: message.callId,
    });
  }

  /** Sends an answer whose time has come. */
  onTimer(pending: { to: NodeId; callId: number }): void {
    this.#ctx.send(pending.to, { type: "call-reply", callId: pending.callId });
  }
}

/** Options of a {@link Gateway}. */
export interface GatewayOptions {
  /** Workers in all. */
  readonly workers: number;
  /** Split the workers into one bulkhead per dependency (half each). */
  readonly bulkheads: boolean;
  /** A circuit breaker per dependency, open for this long (absent: none). */
  readonly breakerOpenMs?: number;
  /** Give up on a dependency call after this long, ms. */
  readonly callTimeoutMs: number;
}

interface GatewayCall {
  readonly client: NodeId;
  readonly requestId: number;
  readonly dependency: DependencyName;
  readonly permit: BreakerPermit | null;
  timer: TimerId | undefined;
  done: boolean;
}

/**
 * The gateway: for each request it takes a worker from the pool (the shared one, or the
 * dependency's bulkhead), asks the dependency's breaker, calls the dependency with a
 * timeout, and answers. A request that finds no free worker fails at once: a full pool
 * sheds, it does not queue.
 */
export class Gateway implements Node<GatewayMessage, number> {
  readonly #ctx: NodeContext<GatewayMessage, number>;
  readonly #options: GatewayOptions;
  readonly #pools: Record<DependencyName, Bulkhead<never>>;
  readonly #breakers: Partial<Record<DependencyName, CircuitBreaker>> = {};
  readonly #calls: GatewayCall[] = [];

  /** A gateway acting through `ctx`. */
  constructor(ctx: NodeContext<GatewayMessage, number>, options: GatewayOptions) {
    this.#ctx = ctx;
    this.#options = options;
    if (options.bulkheads) {
      const half = Math.max(1, Math.floor(options.workers / 2));
      this.#pools = {
        a: new Bulkhead({ maxConcurrent: half }),
        b: new Bulkhead({ maxConcurrent: half }),
      };
    } else {
      const shared = new Bulkhead<never>({ maxConcurrent: options.workers });
      this.#pools = { a: shared, b: shared };
    }
    if (options.breakerOpenMs !== undefined) {
      for (const name of ["a", "b"] as const) {
        this.#breakers[name] = new CircuitBreaker({ openMs: options.breakerOpenMs });
      }
    }
  }

  /** Workers busy now, per dependency's pool (the same number twice when shared). */
  busy(dependency: DependencyName): number {
    return this.#pools[dependency].running;
  }

  /** The state of a dependency's breaker, or null without breakers. */
  breakerState(dependency: DependencyName): BreakerState | null {
    return this.#breakers[dependency]?.state ?? null;
  }

  /** A dependency's breaker transitions (none without breakers). */
  breakerTransitions(dependency: DependencyName): readonly BreakerTransition[] {
    return this.#breakers[dependency]?.transitions ?? [];
  }

  /** Takes a request, or settles a call with the dependency's reply. */
  onMessage(from: NodeId, message: GatewayMessage): void {
    if (message.type === "request") return this.#admit(from, message.requestId, message.dependency);
    if (message.type !== "call-reply") return;
    const call = this.#calls[message.callId];
    if (call === undefined || call.done) return; // answered after its timeout
    this.#ctx.cancelTimer(call.timer as TimerId);
    const now = this.#ctx.now();
    if (call.permit !== null) this.#breakers[call.dependency]?.onSuccess(call.permit, now);
    this.#finish(call, true, "ok");
  }

  /** A dependency call timed out. */
  onTimer(callId: number): void {
    const call = this.#calls[callId];
    if (call === undefined || call.done) return;
    if (call.permit !== null) {
      this.#breakers[call.dependency]?.onFailure(call.permit, this.#ctx.now());
    }
    this.#finish(call, false, "timeout");
  }

  #admit(client: NodeId, requestId: number, dependency: DependencyName): void {
    const respond = (why: "no-worker" | "breaker-open") =>
      this.#ctx.send(client, { type: "response", requestId, ok: false, why });
    // The breaker first: a call it refuses must not take a worker.
    const breaker = this.#breakers[dependency];
    const permit = breaker === undefined ? null : breaker.allow(this.#ctx.now());
    if (breaker !== undefined && permit === null) return respond("breaker-open");
    if (this.#pools[dependency].enter(undefined as never) !== "run") {
      // Without a worker the call never happens: hand a probe's permit back as a failure
      // would punish the dependency for the gateway's own shortage, so report nothing.
      return respond("no-worker");
    }
    const callId = this.#calls.length;
    const call: GatewayCall = {
      client,
      requestId,
      dependency,
      permit,
      timer: undefined,
      done: false,
    };
    this.#calls.push(call);
    this.#ctx.send(`dep-${dependency}`, { type: "call", callId });
    call.timer = this.#ctx.setTimer(this.#options.callTimeoutMs, callId);
  }

  #finish(call: GatewayCall, ok: boolean, why: "ok" | "timeout"): void {
    call.done = true;
    this.#pools[call.dependency].leave();
    this.#ctx.send(call.client, { type: "response", requestId: call.requestId, ok, why });
  }
}

/** One request as the load generator saw it. */
export interface GatewayRecord {
  /** Which dependency it needed. */
  readonly dependency: DependencyName;
  /** When it was sent, ms. */
  readonly startMs: number;
  /** When its answer came, ms (null if none yet). */
  readonly endMs: number | null;
  /** Whether it succeeded. */
  readonly ok: boolean;
  /** Why it ended as it did. */
  readonly why: "ok" | "timeout" | "no-worker" | "breaker-open" | "pending";
}

/** Sends Poisson requests to the gateway, half for each dependency, and records answers. */
export class GatewayLoad implements Node<GatewayMessage, "next"> {
  readonly #ctx: NodeContext<GatewayMessage, "next">;
  readonly #ratePerS: number;
  readonly #untilMs: number;
  readonly #records: {
    dependency: DependencyName;
    startMs: number;
    endMs: number | null;
    ok: boolean;
    why: GatewayRecord["why"];
  }[] = [];

  /** A load generator acting through `ctx`. */
  constructor(ctx: NodeContext<GatewayMessage, "next">, ratePerS: number, untilMs: number) {
    this.#ctx = ctx;
    this.#ratePerS = ratePerS;
    this.#untilMs = untilMs;
  }

  /** Every request so far. */
  get records(): readonly GatewayRecord[] {
    return this.#records;
  }

  /** Schedules the first request. */
  start(): void {
    this.#schedule();
  }

  /** Records an answer. */
  onMessage(_from: NodeId, message: GatewayMessage): void {
    if (message.type !== "response") return;
    const record = this.#records[message.requestId];
    if (record === undefined || record.endMs !== null) return;
    record.endMs = this.#ctx.now();
    record.ok = message.ok;
    record.why = message.why;
  }

  /** Sends the next request. */
  onTimer(): void {
    const dependency: DependencyName = this.#ctx.random.chance(0.5) ? "a" : "b";
    const requestId = this.#records.length;
    this.#records.push({
      dependency,
      startMs: this.#ctx.now(),
      endMs: null,
      ok: false,
      why: "pending",
    });
    this.#ctx.send("gateway", { type: "request", requestId, dependency });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#ratePerS <= 0) return;
    const gapMs = this.#ctx.random.exponential(1000 / this.#ratePerS);
    if (this.#ctx.now() + gapMs < this.#untilMs) this.#ctx.setTimer(gapMs, "next");
  }
}

/** Zod schema of the `dependency-failure` parameters. */
export const DependencyFailureParamsSchema = z.strictObject({
  ratePerS: nonNegativeNumber().default(200)
    .describe("Requests per second to the gateway, half for each dependency"),
  workers: integerAtLeast(2).default(40).describe("Gateway workers in all"),
  bulkheads: z.boolean().default(false).describe("Split the workers: half for each dependency"),
  breaker: z.boolean().default(false).describe("A circuit breaker per dependency"),
  breakerOpenMs: positiveMs().default(1000).describe("How long a breaker stays open, ms"),
  callTimeoutMs: positiveMs().default(1000).describe("Gateway's timeout per dependency call, ms"),
  serviceMs: positiveMs().default(5).describe("Dependencies' usual answer time, ms"),
  slowFromMs: nonNegativeMs().default(2000).describe("B turns slow at, ms"),
  slowUntilMs: nonNegativeMs().default(6000).describe("B recovers at, ms"),
  slowServiceMs: positiveMs().default(3000).describe("B's answer time while slow, ms"),
  durationMs: positiveMs().default(10_000).describe("How long requests are sent, ms"),
  binMs: positiveMs().default(250).describe("Width of a time bin of the rows, ms"),
}).refine((p) => p.slowUntilMs >= p.slowFromMs, {
  error: "must be at least slowFromMs",
  path: ["slowUntilMs"],
});

/** Parameters of `dependency-failure`, with defaults applied. */
export type DependencyFailureParams = z.output<typeof DependencyFailureParamsSchema>;

const DEPENDENCY_FAILURE_DEFAULTS: DependencyFailureParams = DependencyFailureParamsSchema.parse(
  {},
);

/** One time bin for one dependency's requests. Rates are per second. */
export type DependencyFailureRow = {
  /** Start of the bin, ms. */
  readonly tMs: number;
  /** The requests' dependency. */
  readonly dependency: DependencyName;
  /** Requests that succeeded, ended in the bin. */
  readonly goodputPerS: number;
  /** Requests that failed, ended in the bin. */
  readonly failedPerS: number;
  /** Median latency of the requests that ended in the bin, ms (null if none). */
  readonly p50LatencyMs: number | null;
  /** The dependency's breaker at the end of the bin ("none" without breakers). */
  readonly breaker: BreakerState | "none";
  /** Gateway workers busy at the end of the bin, in this dependency's pool. */
  readonly busyWorkers: number;
};

/** A finished `dependency-failure` run. */
export interface DependencyFailureRun {
  /** The finished simulation. */
  readonly simulation: Simulation<GatewayMessage>;
  /** Rows per (bin, dependency). */
  readonly rows: DependencyFailureRow[];
  /** Every request. */
  readonly records: readonly GatewayRecord[];
  /** B's breaker transitions (none without breakers). */
  readonly breakerTransitions: readonly BreakerTransition[];
}

/**
 * Runs one `dependency-failure` trial.
 *
 * @example
 * ```ts
 * const { rows } = simulateDependencyFailure(dependencyFailure.parseParams({ bulkheads: true }), 1);
 * ```
 */
export function simulateDependencyFailure(
  params: DependencyFailureParams,
  seed: number,
): DependencyFailureRun {
  const simulation = new Simulation<GatewayMessage>({
    seed,
    record: false,
    freezeMessages: false,
    network: { latency: { kind: "constant", ms: 1 } },
    replay: replayCommand("dependency-failure", seed, {
      params,
      defaults: DEPENDENCY_FAILURE_DEFAULTS,
    }),
  });
  let load: GatewayLoad | undefined;
  let gateway: Gateway | undefined;
  simulation.addNode(
    "load",
    (ctx: NodeContext<GatewayMessage, "next">) =>
      load = new GatewayLoad(ctx, params.ratePerS, params.durationMs),
  );
  simulation.addNode(
    "gateway",
    (ctx: NodeContext<GatewayMessage, number>) =>
      gateway = new Gateway(ctx, {
        workers: params.workers,
        bulkheads: params.bulkheads,
        callTimeoutMs: params.callTimeoutMs,
        ...(params.breaker ? { breakerOpenMs: params.breakerOpenMs } : {}),
      }),
  );
  const healthy = { slowFromMs: 0, slowUntilMs: 0, slowServiceMs: params.serviceMs };
  simulation.addNode(
    "dep-a",
    (ctx: NodeContext<GatewayMessage, { to: NodeId; callId: number }>) =>
      new SlowableDependency(ctx, { serviceMs: params.serviceMs, ...healthy }),
  );
  simulation.addNode(
    "dep-b",
    (ctx: NodeContext<GatewayMessage, { to: NodeId; callId: number }>) =>
      new SlowableDependency(ctx, {
        serviceMs: params.serviceMs,
        slowFromMs: params.slowFromMs,
        slowUntilMs: params.slowUntilMs,
        slowServiceMs: params.slowServiceMs,
      }),
  );
  const bins = Math.ceil(params.durationMs / params.binMs);
  const samples: {
    breaker: Record<DependencyName, BreakerState | "none">;
    busy: Record<DependencyName, number>;
  }[] = [];
  for (let bin = 1; bin <= bins; bin++) {
    simulation.runUntil(Math.min(bin * params.binMs, params.durationMs));
    const g = gateway as Gateway;
    samples.push({
      breaker: { a: g.breakerState("a") ?? "none", b: g.breakerState("b") ?? "none" },
      busy: { a: g.busy("a"), b: g.busy("b") },
    });
  }
  simulation.runUntilQuiet({ untilMs: Infinity });
  const records = (load as GatewayLoad).records;
  const perS = 1000 / params.binMs;
  const rows: DependencyFailureRow[] = [];
  for (let bin = 0; bin < bins; bin++) {
    for (const dependency of ["a", "b"] as const) {
      const ended = records.filter((r) =>
        r.dependency === dependency && r.endMs !== null &&
        Math.floor(r.endMs / params.binMs) === bin
      );
      const latencies = ended.map((r) => (r.endMs as number) - r.startMs).sort((x, y) => x - y);
      const sample = samples[bin]!;
      rows.push({
        tMs: bin * params.binMs,
        dependency,
        goodputPerS: ended.filter((r) => r.ok).length * perS,
        failedPerS: ended.filter((r) => !r.ok).length * perS,
        p50LatencyMs: latencies.length === 0
          ? null
          : latencies[Math.floor((latencies.length - 1) / 2)] as number,
        breaker: sample.breaker[dependency],
        busyWorkers: sample.busy[dependency],
      });
    }
  }
  return {
    simulation,
    rows,
    records,
    breakerTransitions: (gateway as Gateway).breakerTransitions("b"),
  };
}

/**
 * `dependency-failure`: a gateway in front of two dependencies, one of which turns slow
 * for a while; with a shared worker pool, bulkheads and/or circuit breakers. Rows per
 * time bin and dependency: goodput, failures, latency, breaker state, busy workers.
 *
 * @example
 * ```ts
 * dependencyFailure.run({ breaker: true }, 1);
 * ```
 */
export const dependencyFailure = defineExperiment({
  name: "dependency-failure",
  title: "A slow dependency, contained by bulkheads and circuit breakers",
  description: "A gateway with a pool of workers serves requests for two dependencies; " +
    "dependency B turns slow for a while. Rows per time bin and dependency: goodput, " +
    "failures, latency, B's breaker and the busy workers.",
  chapter: "17_resilience",
  params: DependencyFailureParamsSchema,
  trial: (params, seed) => simulateDependencyFailure(params, seed).rows,
});
