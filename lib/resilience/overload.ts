/**
 * Overload and metastable failure. A server with one queue serves requests from a fleet of
 * clients that time out and retry. Two feedback loops can keep it overloaded after the
 * cause is gone (Bronson et al., "Metastable Failures in Distributed Systems", HotOS 2021):
 *
 * - **retries**: once the queue is long, answers come after the clients' timeouts, so the
 *   clients retry and the offered load multiplies, which keeps the queue long;
 * - **work that grows with the queue**: each request costs more when the queue is long
 *   (cache misses, lock contention, garbage collection), so capacity falls just when it
 *   is needed.
 *
 * The mechanisms that break the loops: load shedding at the server (by queue length, or
 * dropping requests whose deadline has passed), a retry budget at the clients, and a
 * circuit breaker at the clients.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  parseConfig,
  positiveMs,
} from "../config/mod.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { Backoff, BACKOFF_STRATEGIES } from "./backoff.ts";
import {
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
  CircuitBreakerOptionsSchema,
} from "./circuit_breaker.ts";
import { Deadline } from "./deadline.ts";
import { RetryBudget, RetryBudgetOptionsSchema } from "./token_bucket.ts";

/** Messages between the clients and the server. */
export type OverloadMessage =
  | {
    readonly type: "call";
    readonly requestId: number;
    readonly attempt: number;
    /** The caller's remaining time when it sent the call, ms. */
    readonly budgetMs: number;
  }
  | {
    readonly type: "result";
    readonly requestId: number;
    readonly attempt: number;
    /** "ok", or "shed" when the server refused it. */
    readonly status: "ok" | "shed";
  };

/** Zod schema of {@link OverloadServerOptions}. */
export const OverloadServerOptionsSchema = z.strictObject({
  /** Mean time to serve one request with an empty queue, ms (exponential). Default 1. */
  serviceMs: positiveMs().default(1),
  /**
   * Extra work per request for each request waiting behind it: the service time is
   * `serviceMs · (1 + workGrowth · queueLength)`. Default 0.
   */
  workGrowth: nonNegativeNumber().default(0),
  /** Refuse a request on arrival when this many are waiting. Default: never. */
  maxQueue: integerAtLeast(0).optional(),
  /** Drop a request at the head of the queue if its caller's deadline has passed. Default false. */
  dropExpired: z.boolean().default(false),
});

/** Settings of an {@link OverloadServer}, with defaults applied. */
export type OverloadServerOptions = z.output<typeof OverloadServerOptionsSchema>;

/** What a user may write for {@link OverloadServerOptions}. */
export type OverloadServerOptionsInput = z.input<typeof OverloadServerOptionsSchema>;

interface QueuedCall {
  readonly from: NodeId;
  readonly requestId: number;
  readonly attempt: number;
  readonly deadline: Deadline;
}

/**
 * A server with one worker and a FIFO queue. It answers every request it serves, whether
 * or not the caller still waits (it cannot know), unless `dropExpired` lets it skip those
 * whose deadline has passed.
 */
export class OverloadServer implements Node<OverloadMessage, "done"> {
  readonly #ctx: NodeContext<OverloadMessage, "done">;
  readonly #options: OverloadServerOptions;
  readonly #queue: QueuedCall[] = [];
  #head = 0;
  #serving: QueuedCall | undefined;
  #served = 0;
  #shed = 0;
  #dropped = 0;
  #busyMs = 0;

  /** A server acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<OverloadMessage, "done">, options: OverloadServerOptionsInput = {}) {
    this.#ctx = ctx;
    this.#options = parseConfig(OverloadServerOptionsSchema, options, "server");
  }

  /** Requests waiting (not counting the one in service). */
  get queueLength(): number {
    return this.#queue.length - this.#head;
  }

  /** Requests served so far (useful or not). */
  get served(): number {
    return this.#served;
  }

  /** Requests refused on arrival (queue full). */
  get shed(): number {
    return this.#shed;
  }

  /** Requests dropped at the head of the queue because their deadline had passed. */
  get droppedExpired(): number {
    return this.#dropped;
  }

  /** Time the worker spent serving, ms. */
  get busyMs(): number {
    return this.#busyMs;
  }

  /** Queues a call, or refuses it when the queue is full. */
  onMessage(from: NodeId, message: OverloadMessage): void {
    if (message.type !== "call") return;
    const { maxQueue } = this.#options;
    if (maxQueue !== undefined && this.queueLength >= maxQueue) {
      this.#shed++;
      this.#ctx.send(from, {
        type: "result",
        requestId: message.requestId,
        attempt: message.attempt,
        status: "shed",
      });
      return;
    }
    this.#queue.push({
      from,
      requestId: message.requestId,
      attempt: message.attempt,
      deadline: Deadline.after(this.#ctx.now(), message.budgetMs),
    });
    if (this.#serving === undefined) this.#startNext();
  }

  /** The request in service is done: answer it and take the next. */
  onTimer(): void {
    const call = this.#serving as QueuedCall;
    this.#serving = undefined;
    this.#served++;
    this.#ctx.send(call.from, {
      type: "result",
      requestId: call.requestId,
      attempt: call.attempt,
      status: "ok",
    });
    this.#startNext();
  }

  #startNext(): void {
    const now = this.#ctx.now();
    while (this.queueLength > 0) {
      const call = this.#queue[this.#head] as QueuedCall;
      this.#head++;
      if (this.#options.dropExpired && call.deadline.expired(now)) {
        this.#dropped++;
        continue;
      }
      // Service time grows with the queue behind this request (the sustaining effect).
      const { serviceMs, workGrowth } = this.#options;
      const workMs = this.#ctx.random.exponential(serviceMs) * (1 + workGrowth * this.queueLength);
      this.#serving = call;
      this.#busyMs += workMs;
      this.#ctx.setTimer(workMs, "done");
      break;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/** A burst of extra load: from `atMs` for `durationMs`, the offered rate is `ratePerS`. */
export const LoadSpikeSchema = z.strictObject({
  /** When the spike starts, ms. */
  atMs: nonNegativeMs(),
  /** How long it lasts, ms. */
  durationMs: nonNegativeMs(),
  /** The total offered rate during the spike, requests per second. */
  ratePerS: nonNegativeNumber(),
});

/** Zod schema of {@link OverloadClientOptions}. */
export const OverloadClientOptionsSchema = z.strictObject({
  /** The server's node id. */
  server: z.string(),
  /** This client's share of the offered load, new requests per second (Poisson). */
  ratePerS: nonNegativeNumber(),
  /** This client's rate during the spike (absent: no spike). */
  spike: LoadSpikeSchema.optional(),
  /** Give up on an attempt after this long, ms. Default 100. */
  timeoutMs: positiveMs().default(100),
  /**
   * Time kept back from the deadline sent with each attempt, ms: the server must finish
   * with this much to spare for the answer's trip back. Default 0.
   */
  deadlineReserveMs: nonNegativeMs().default(0),
  /** Retries after the first attempt. Default 3. */
  maxRetries: integerAtLeast(0).default(3),
  /** Backoff before a retry. Default full jitter, base 10 ms, cap 1000 ms. */
  backoff: z.strictObject({
    strategy: z.enum(BACKOFF_STRATEGIES).default("full"),
    baseMs: positiveMs().default(10),
    capMs: positiveMs().default(1000),
  }).prefault({}),
  /** A retry budget (absent: retries are limited only by `maxRetries`). */
  retryBudget: RetryBudgetOptionsSchema.optional(),
  /** A circuit breaker in front of the server (absent: none). */
  breaker: CircuitBreakerOptionsSchema.optional(),
  /** Stop making new requests at this time, ms. */
  untilMs: positiveMs(),
});

/** Settings of an {@link OverloadClient}, with defaults applied. */
export type OverloadClientOptions = z.output<typeof OverloadClientOptionsSchema>;

/** What a user may write for {@link OverloadClientOptions}. */
export type OverloadClientOptionsInput = z.input<typeof OverloadClientOptionsSchema>;

/** How a request ended. */
export type OverloadOutcome = "ok" | "timeout" | "shed" | "breaker-open" | "pending";

/** A client's record of one request (all its attempts). */
export interface OverloadRecord {
  /** When the request was made, ms. */
  readonly startMs: number;
  /** When it ended (success or giving up), ms; null while pending. */
  readonly endMs: number | null;
  /** How it ended. */
  readonly outcome: OverloadOutcome;
  /** Attempts sent to the server. */
  readonly attempts: number;
}

/** The timers of an {@link OverloadClient}. */
export type OverloadClientTimer =
  | { readonly kind: "arrival" }
  | { readonly kind: "rate-change" }
  | { readonly kind: "timeout"; readonly requestId: number; readonly attempt: number }
  | { readonly kind: "retry"; readonly requestId: number };

interface OpenRequest {
  readonly startMs: number;
  endMs: number | null;
  outcome: OverloadOutcome;
  attempts: number;
  sentAtMs: number;
  timer: TimerId | undefined;
  permit: ReturnType<CircuitBreaker["allow"]>;
  backoff: Backoff | undefined;
}

/**
 * A client: makes new requests as a Poisson process (faster during the spike), gives
 * each attempt `timeoutMs`, and retries a timed-out or refused attempt after a backoff,
 * up to `maxRetries` times, if its retry budget allows. With a breaker, an attempt the
 * breaker refuses fails at once and is not retried.
 */
export class OverloadClient implements Node<OverloadMessage, OverloadClientTimer> {
  readonly #ctx: NodeContext<OverloadMessage, OverloadClientTimer>;
  readonly #options: OverloadClientOptions;
  readonly #requests: OpenRequest[] = [];
  readonly #budget: RetryBudget | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #latencies: number[] = [];
  #attemptsSent = 0;

  /** A client acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<OverloadMessage, OverloadClientTimer>,
    options: OverloadClientOptionsInput,
  ) {
    this.#ctx = ctx;
    this.#options = parseConfig(OverloadClientOptionsSchema, options, "client");
    if (this.#options.retryBudget !== undefined) {
      this.#budget = new RetryBudget(this.#options.retryBudget);
    }
    if (this.#options.breaker !== undefined) {
      this.#breaker = new CircuitBreaker(this.#options.breaker);
    }
  }

  /** One record per request, in the order made. */
  get records(): OverloadRecord[] {
    return this.#requests.map((r) => ({
      startMs: r.startMs,
      endMs: r.endMs,
      outcome: r.outcome,
      attempts: r.attempts,
    }));
  }

  /** Attempts sent to the server so far (first tries and retries). */
  get attemptsSent(): number {
    return this.#attemptsSent;
  }

  /** The breaker's state now, or null without a breaker. */
  get breakerState(): BreakerState | null {
    return this.#breaker?.state ?? null;
  }

  /** The breaker's changes of state, or none without a breaker. */
  get breakerTransitions(): readonly BreakerTransition[] {
    return this.#breaker?.transitions ?? [];
  }

  /** Schedules the first request. */
  start(): void {
    this.#scheduleArrival();
  }

  /** Settles an attempt with the server's answer (ignored if that attempt timed out). */
  onMessage(_from: NodeId, message: OverloadMessage): void {
    if (message.type !== "result") return;
    const request = this.#requests[message.requestId];
    if (request === undefined || request.endMs !== null) return;
    if (message.attempt !== request.attempts || request.timer === undefined) return; // late
    this.#ctx.cancelTimer(request.timer);
    request.timer = undefined;
    const now = this.#ctx.now();
    if (message.status === "ok") {
      if (request.permit) this.#breaker?.onSuccess(request.permit, now);
      request.endMs = now;
      request.outcome = "ok";
      this.#latencies.push(now - request.startMs);
      return;
    }
    if (request.permit) this.#breaker?.onFailure(request.permit, now);
    this.#failAttempt(message.requestId, request, "shed");
  }

  /** A new request, an attempt's timeout, or a retry's backoff ending. */
  onTimer(timer: OverloadClientTimer): void {
    if (timer.kind === "arrival") {
      this.#newRequest();
      this.#scheduleArrival();
      return;
    }
    if (timer.kind === "rate-change") return this.#scheduleArrival();
    const request = this.#requests[timer.requestId];
    if (request === undefined || request.endMs !== null) return;
    if (timer.kind === "retry") return this.#attempt(timer.requestId, request);
    if (timer.attempt !== request.attempts) return;
    request.timer = undefined;
    if (request.permit) this.#breaker?.onFailure(request.permit, this.#ctx.now());
    this.#failAttempt(timer.requestId, request, "timeout");
  }

  #rateAt(nowMs: number): number {
    const spike = this.#options.spike;
    if (spike !== undefined && nowMs >= spike.atMs && nowMs < spike.atMs + spike.durationMs) {
      return spike.ratePerS;
    }
    return this.#options.ratePerS;
  }

  /** The next time after `nowMs` the offered rate changes (Infinity if never). */
  #nextRateChange(nowMs: number): number {
    const spike = this.#options.spike;
    if (spike === undefined) return Infinity;
    for (const change of [spike.atMs, spike.atMs + spike.durationMs]) {
      if (change > nowMs) return change;
    }
    return Infinity;
  }

  #scheduleArrival(): void {
    const now = this.#ctx.now();
    const rate = this.#rateAt(now);
    const gapMs = rate > 0 ? this.#ctx.random.exponential(1000 / rate) : Infinity;
    const change = this.#nextRateChange(now);
    // Poisson with a changing rate: a gap that would cross a change is redrawn from the
    // change at the new rate (memorylessness makes that exact).
    if (now + gapMs < change) {
      if (now + gapMs < this.#options.untilMs) this.#ctx.setTimer(gapMs, { kind: "arrival" });
    } else if (change < this.#options.untilMs) {
      this.#ctx.setTimer(change - now, { kind: "rate-change" });
    }
  }

  #newRequest(): void {
    const requestId = this.#requests.length;
    const request: OpenRequest = {
      startMs: this.#ctx.now(),
      endMs: null,
      outcome: "pending",
      attempts: 0,
      sentAtMs: 0,
      timer: undefined,
      permit: null,
      backoff: undefined,
    };
    this.#requests.push(request);
    this.#budget?.onRequest();
    this.#attempt(requestId, request);
  }

  #attempt(requestId: number, request: OpenRequest): void {
    const now = this.#ctx.now();
    if (this.#breaker !== undefined) {
      request.permit = this.#breaker.allow(now);
      if (request.permit === null) {
        request.endMs = now;
        request.outcome = "breaker-open";
        return;
      }
    }
    request.attempts++;
    request.sentAtMs = now;
    this.#attemptsSent++;
    const { timeoutMs } = this.#options;
    this.#ctx.send(this.#options.server, {
      type: "call",
      requestId,
      attempt: request.attempts,
      budgetMs: Math.max(0, timeoutMs - this.#options.deadlineReserveMs),
    });
    request.timer = this.#ctx.setTimer(timeoutMs, {
      kind: "timeout",
      requestId,
      attempt: request.attempts,
    });
  }

  #failAttempt(requestId: number, request: OpenRequest, why: "timeout" | "shed"): void {
    const retriesSoFar = request.attempts - 1;
    const mayRetry = retriesSoFar < this.#options.maxRetries &&
      (this.#budget === undefined || this.#budget.tryRetry());
    if (!mayRetry) {
      request.endMs = this.#ctx.now();
      request.outcome = why;
      return;
    }
    request.backoff ??= new Backoff(this.#options.backoff, this.#ctx.random);
    const sleepMs = request.backoff.next(request.attempts);
    request.timer = undefined;
    this.#ctx.setTimer(sleepMs, { kind: "retry", requestId });
  }
}

/** Zod schema of the `overload` experiment's parameters. */
export const OverloadParamsSchema = z.strictObject({
  clients: integerAtLeast(1).default(10).describe("Client nodes sharing the offered load"),
  ratePerS: nonNegativeNumber().default(800)
    .describe("Offered load, new requests per second (all clients together)"),
  serviceMs: positiveMs().default(1)
    .describe("Mean service time with an empty queue, ms (capacity 1000/serviceMs per s)"),
  workGrowth: nonNegativeNumber().default(0)
    .describe("Extra work per request per request queued behind it"),
  spikeAtMs: nonNegativeMs().default(2000).describe("When the load spike starts, ms"),
  spikeDurationMs: nonNegativeMs().default(0).describe("How long the spike lasts, ms (0: none)"),
  spikeRatePerS: nonNegativeNumber().default(1600)
    .describe("Offered load during the spike, requests per second"),
  timeoutMs: positiveMs().default(100).describe("Clients' timeout per attempt, ms"),
  deadlineReserveMs: nonNegativeMs().default(10)
    .describe("Kept back from the deadline sent to the server, for the trip back, ms"),
  maxRetries: integerAtLeast(0).default(3).describe("Retries per request after the first try"),
  backoff: z.enum(BACKOFF_STRATEGIES).default("full").describe("Backoff between retries"),
  backoffBaseMs: positiveMs().default(10).describe("Backoff base, ms"),
  backoffCapMs: positiveMs().default(1000).describe("Backoff cap, ms"),
  retryBudgetRatio: z.number().min(0).max(1).optional()
    .describe("Retry budget: retries per first attempt (absent: no budget)"),
  breaker: z.boolean().default(false).describe("A circuit breaker in each client"),
  breakerOpenMs: positiveMs().default(500).describe("How long a breaker stays open, ms"),
  maxQueue: integerAtLeast(0).optional()
    .describe("Server sheds requests when this many wait (absent: never)"),
  dropExpired: z.boolean().default(false)
    .describe("Server drops queued requests whose caller's deadline has passed"),
  lossProbability: z.number().min(0, { error: "must be between 0 and 1" })
    .max(1, { error: "must be between 0 and 1" }).default(0)
    .describe("Chance that any message is lost"),
  durationMs: positiveMs().default(10_000).describe("How long clients make requests, ms"),
  binMs: positiveMs().default(250).describe("Width of a time bin of the rows, ms"),
}).refine((p) => p.backoffCapMs >= p.backoffBaseMs, {
  error: "must be at least backoffBaseMs",
  path: ["backoffCapMs"],
});

/** Parameters of `overload`, with defaults applied. */
export type OverloadParams = z.output<typeof OverloadParamsSchema>;

const OVERLOAD_DEFAULTS: OverloadParams = OverloadParamsSchema.parse({});

/** One time bin of an `overload` run. Rates are per second. */
export type OverloadRow = {
  /** Start of the bin, ms. */
  readonly tMs: number;
  /** New requests made in the bin (the offered load). */
  readonly offeredPerS: number;
  /** Attempts sent to the server in the bin (first tries and retries). */
  readonly attemptsPerS: number;
  /** Requests that succeeded in the bin (the goodput). */
  readonly goodputPerS: number;
  /** Requests that ended in failure in the bin (timeout, shed or refused by a breaker). */
  readonly failedPerS: number;
  /** Requests waiting at the server at the end of the bin. */
  readonly queueLength: number;
  /** Median time to success of requests that succeeded in the bin, ms (null if none). */
  readonly p50LatencyMs: number | null;
  /** Clients whose breaker is not closed at the end of the bin. */
  readonly breakersNotClosed: number;
};

/** A finished `overload` run. */
export interface OverloadRun {
  /** The finished simulation. */
  readonly simulation: Simulation<OverloadMessage>;
  /** One row per time bin. */
  readonly rows: OverloadRow[];
  /** Every client's requests, client by client. */
  readonly records: OverloadRecord[];
  /** The first client's breaker transitions (empty without breakers). */
  readonly breakerTransitions: readonly BreakerTransition[];
}

/**
 * Runs one `overload` trial: `clients` client nodes and one server, for `durationMs` plus
 * time for the last requests to end, and returns one row per time bin.
 *
 * @example
 * ```ts
 * const { rows } = simulateOverload(overload.parseParams({ ratePerS: 1200 }), 1);
 * ```
 */
export function simulateOverload(params: OverloadParams, seed: number): OverloadRun {
  const simulation = new Simulation<OverloadMessage>({
    seed,
    record: false,
    freezeMessages: false,
    network: { latency: { kind: "constant", ms: 1 }, lossProbability: params.lossProbability },
    replay: replayCommand("overload", seed, { params, defaults: OVERLOAD_DEFAULTS }),
  });
  let server: OverloadServer | undefined;
  simulation.addNode(
    "server",
    (ctx: NodeContext<OverloadMessage, "done">) =>
      server = new OverloadServer(ctx, {
        serviceMs: params.serviceMs,
        workGrowth: params.workGrowth,
        dropExpired: params.dropExpired,
        ...(params.maxQueue === undefined ? {} : { maxQueue: params.maxQueue }),
      }),
  );
  const clients: OverloadClient[] = [];
  const share = 1 / params.clients;
  const ids = Array.from({ length: params.clients }, (_, i) => `client-${i + 1}`);
  simulation.addNodes(ids, (ctx: NodeContext<OverloadMessage, OverloadClientTimer>) => {
    const client = new OverloadClient(ctx, {
      server: "server",
      ratePerS: params.ratePerS * share,
      ...(params.spikeDurationMs > 0
        ? {
          spike: {
            atMs: params.spikeAtMs,
            durationMs: params.spikeDurationMs,
            ratePerS: params.spikeRatePerS * share,
          },
        }
        : {}),
      timeoutMs: params.timeoutMs,
      deadlineReserveMs: params.deadlineReserveMs,
      maxRetries: params.maxRetries,
      backoff: {
        strategy: params.backoff,
        baseMs: params.backoffBaseMs,
        capMs: params.backoffCapMs,
      },
      ...(params.retryBudgetRatio === undefined
        ? {}
        : { retryBudget: { ratio: params.retryBudgetRatio } }),
      ...(params.breaker ? { breaker: { openMs: params.breakerOpenMs } } : {}),
      untilMs: params.durationMs,
    });
    clients.push(client);
    return client;
  });
  const bins = Math.ceil(params.durationMs / params.binMs);
  const queue: number[] = [], attempts: number[] = [], notClosed: number[] = [];
  let sentBefore = 0;
  for (let bin = 1; bin <= bins; bin++) {
    simulation.runUntil(Math.min(bin * params.binMs, params.durationMs));
    const sent = clients.reduce((sum, c) => sum + c.attemptsSent, 0);
    attempts.push(sent - sentBefore);
    sentBefore = sent;
    queue.push((server as OverloadServer).queueLength);
    notClosed.push(
      clients.filter((c) => c.breakerState !== null && c.breakerState !== "closed")
        .length,
    );
  }
  // Let the last requests finish or give up (no new ones start after durationMs).
  simulation.runUntilQuiet({ untilMs: Infinity });
  const records = clients.flatMap((client) => client.records);
  const perS = 1000 / params.binMs;
  const offered = new Array<number>(bins).fill(0);
  const good = new Array<number>(bins).fill(0);
  const failed = new Array<number>(bins).fill(0);
  const latencies: number[][] = Array.from({ length: bins }, () => []);
  const binOf = (t: number) => Math.min(bins - 1, Math.floor(t / params.binMs));
  for (const record of records) {
    offered[binOf(record.startMs)]!++;
    if (record.endMs === null || record.endMs >= params.durationMs) continue;
    const bin = binOf(record.endMs);
    if (record.outcome === "ok") {
      good[bin]!++;
      latencies[bin]!.push(record.endMs - record.startMs);
    } else {
      failed[bin]!++;
    }
  }
  const rows = Array.from({ length: bins }, (_, bin): OverloadRow => ({
    tMs: bin * params.binMs,
    offeredPerS: offered[bin]! * perS,
    attemptsPerS: attempts[bin]! * perS,
    goodputPerS: good[bin]! * perS,
    failedPerS: failed[bin]! * perS,
    queueLength: queue[bin]!,
    p50LatencyMs: median(latencies[bin]!),
    breakersNotClosed: notClosed[bin]!,
  }));
  return {
    simulation,
    rows,
    records,
    breakerTransitions: clients[0]?.breakerTransitions ?? [],
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

/**
 * The mean goodput (requests per second) of `rows` in `[fromMs, toMs)`.
 *
 * @example
 * ```ts
 * const { rows } = simulateOverload(overload.parseParams({}), 1);
 * meanGoodput(rows, 6000, 10000); // long after the spike
 * ```
 */
export function meanGoodput(rows: readonly OverloadRow[], fromMs: number, toMs: number): number {
  const inside = rows.filter((row) => row.tMs >= fromMs && row.tMs < toMs);
  if (inside.length === 0) {
    throw new RangeError(`Cannot average goodput: no bins in [${fromMs}, ${toMs}) ms`);
  }
  return inside.reduce((sum, row) => sum + row.goodputPerS, 0) / inside.length;
}

/**
 * `overload`: a fleet of clients with timeouts and retries against one server, with an
 * optional load spike. One row per time bin: offered load, attempts, goodput, queue
 * length, latency and breakers.
 *
 * @example
 * ```ts
 * overload.run({ spikeDurationMs: 1000 }, 1); // the spike ends; does the overload?
 * ```
 */
export const overload = defineExperiment({
  name: "overload",
  title: "Overload, retries and metastable failure",
  description: "Clients with timeouts and retries offer a Poisson load to one server with " +
    "a FIFO queue, optionally with a spike. One row per time bin with the offered load, " +
    "the attempts sent, the goodput and the queue. Knobs: retries, backoff, retry budget, " +
    "circuit breakers, load shedding by queue length or deadline, work that grows with " +
    "the queue.",
  chapter: "17_resilience",
  params: OverloadParamsSchema,
  trial: (params, seed) => simulateOverload(params, seed).rows,
});
