/**
 * Fan-out requests: a front end splits each request into `k` parts, sends one to each
 * back end, and answers when enough parts are back: all of them, a quorum, or the first.
 * Optionally it hedges: a part still unanswered after `hedgeAfterMs` is sent again to a
 * spare back end, and whichever reply comes first counts. This is the setting of "the
 * tail at scale" (Dean and Barroso, 2013): a request that waits for many back ends is
 * as slow as the slowest of them.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nodeIdField, parseConfig, positiveMs } from "../config/mod.ts";
import {
  compileDistribution,
  type Distribution,
  distributionQuantile,
  DistributionSchema,
  type Sampler,
} from "../sim/distributions.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** Messages between the front end and the back ends. */
export type FanoutMessage =
  | { readonly type: "part"; readonly requestId: number; readonly part: number }
  | { readonly type: "part-reply"; readonly requestId: number; readonly part: number };

/** Zod schema of {@link FanoutBackendOptions}. */
export const FanoutBackendOptionsSchema = z.strictObject({
  /** Time to serve one part, drawn per part. Default lognormal, median 10 ms, σ 1. */
  serviceTime: DistributionSchema.prefault({ kind: "lognormal", medianMs: 10, sigma: 1 }),
});

/** Settings of a {@link FanoutBackend}, with defaults applied. */
export type FanoutBackendOptions = z.output<typeof FanoutBackendOptionsSchema>;

/** What a user may write for {@link FanoutBackendOptions}. */
export type FanoutBackendOptionsInput = z.input<typeof FanoutBackendOptionsSchema>;

/**
 * A back end: answers each part after a service time drawn from its distribution, in
 * parallel (no queue), so every part's time is an independent draw.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNodes(["b1", "b2"], (ctx) => new FanoutBackend(ctx, { serviceTime: { kind: "constant", ms: 5 } }));
 * ```
 */
export class FanoutBackend implements Node<FanoutMessage, { to: NodeId; reply: FanoutMessage }> {
  readonly #ctx: NodeContext<FanoutMessage, { to: NodeId; reply: FanoutMessage }>;
  readonly #serviceTime: Sampler;

  /** A back end acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<FanoutMessage, { to: NodeId; reply: FanoutMessage }>,
    options: FanoutBackendOptionsInput = {},
  ) {
    this.#ctx = ctx;
    this.#serviceTime = compileDistribution(
      parseConfig(FanoutBackendOptionsSchema, options, "backend").serviceTime,
    );
  }

  /** Schedules the reply to a part. */
  onMessage(from: NodeId, message: FanoutMessage): void {
    if (message.type !== "part") return;
    const reply: FanoutMessage = {
      type: "part-reply",
      requestId: message.requestId,
      part: message.part,
    };
    this.#ctx.setTimer(this.#serviceTime(this.#ctx.random), { to: from, reply });
  }

  /** Sends a reply whose service time is over. */
  onTimer(pending: { to: NodeId; reply: FanoutMessage }): void {
    this.#ctx.send(pending.to, pending.reply);
  }
}

/** How many parts a fan-out request waits for: all, a quorum, or the first to answer. */
export type FanoutWait = "all" | "quorum" | "first";

/** Zod schema of {@link FanoutFrontEndOptions}. */
export const FanoutFrontEndOptionsSchema = z.strictObject({
  /** The back ends, one part each (k = their number). */
  backends: z.array(nodeIdField()).min(1, { error: "must name at least one back end" }),
  /** Spare back ends for hedged parts: part i is hedged to `spares[i % spares.length]`. */
  spares: z.array(nodeIdField()).default([]),
  /** Wait for `all` parts, a `quorum` of them, or the `first`. Default `all`. */
  wait: z.enum(["all", "quorum", "first"]).default("all"),
  /** Parts a `quorum` request waits for. Default a majority of k. */
  quorum: integerAtLeast(1).optional(),
  /** Re-send parts still unanswered after this long (ms) to a spare; absent: never. */
  hedgeAfterMs: positiveMs().optional(),
  /** How many requests to send. Default 1000. */
  requests: integerAtLeast(0).default(1000),
  /** Gap between requests, in ms. Requests overlap freely. Default 10. */
  intervalMs: positiveMs().default(10),
}).refine((o) => o.quorum === undefined || o.quorum <= o.backends.length, {
  error: "must be at most the number of back ends",
  path: ["quorum"],
}).refine((o) => o.hedgeAfterMs === undefined || o.spares.length > 0, {
  error: "must come with at least one spare back end",
  path: ["hedgeAfterMs"],
});

/** Settings of a {@link FanoutFrontEnd}, with defaults applied. */
export type FanoutFrontEndOptions = z.output<typeof FanoutFrontEndOptionsSchema>;

/** What a user may write for {@link FanoutFrontEndOptions}. */
export type FanoutFrontEndOptionsInput = z.input<typeof FanoutFrontEndOptionsSchema>;

/** The front end's record of one request. Times are on its clock, in ms. */
export interface FanoutRecord {
  /** 0, 1, 2, ... in the order sent. */
  readonly requestId: number;
  /** When its parts were sent. */
  readonly startMs: number;
  /** From sending the parts to having enough replies; null while still waiting. */
  readonly latencyMs: number | null;
  /** Parts sent to back ends, hedges included. */
  readonly partsSent: number;
}

/** The front end's timers: the next request, or hedging a request's slow parts. */
export type FanoutTimer =
  | { readonly kind: "next" }
  | { readonly kind: "hedge"; readonly requestId: number };

interface OpenRequest {
  readonly requestId: number;
  readonly startMs: number;
  latencyMs: number | null;
  partsSent: number;
  answered: Uint8Array;
  answeredCount: number;
}

/**
 * The front end: sends `requests` requests, each as one part to every back end, and
 * records when each request had the replies it waits for.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const backends = ["b1", "b2", "b3"];
 * sim.addNode("fe", (ctx) => new FanoutFrontEnd(ctx, { backends, requests: 100 }));
 * sim.addNodes(backends, (ctx) => new FanoutBackend(ctx));
 * sim.runUntilTrue(() => sim.node<FanoutFrontEnd>("fe")?.done === true); // nodes exist once the run starts
 * ```
 */
export class FanoutFrontEnd implements Node<FanoutMessage, FanoutTimer> {
  readonly #ctx: NodeContext<FanoutMessage, FanoutTimer>;
  readonly #options: FanoutFrontEndOptions;
  readonly #needed: number;
  readonly #requests: OpenRequest[] = [];
  #completed = 0;

  /** A front end acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<FanoutMessage, FanoutTimer>, options: FanoutFrontEndOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseConfig(FanoutFrontEndOptionsSchema, options, "frontEnd");
    this.#needed = partsNeeded(
      this.#options.backends.length,
      this.#options.wait,
      this.#options.quorum,
    );
  }

  /** How many replies complete a request. */
  get partsNeeded(): number {
    return this.#needed;
  }

  /** One record per request sent so far, in order. */
  get records(): FanoutRecord[] {
    return this.#requests.map((r) => ({
      requestId: r.requestId,
      startMs: r.startMs,
      latencyMs: r.latencyMs,
      partsSent: r.partsSent,
    }));
  }

  /** Whether every request has been sent and completed. */
  get done(): boolean {
    return this.#completed === this.#options.requests;
  }

  /** Sends the first request. */
  start(): void {
    if (this.#options.requests > 0) this.#sendNext();
  }

  /** Counts a part's reply; the request completes when it has the replies it needs. */
  onMessage(_from: NodeId, message: FanoutMessage): void {
    if (message.type !== "part-reply") return;
    const request = this.#requests[message.requestId];
    if (request === undefined || request.answered[message.part] === 1) return;
    request.answered[message.part] = 1;
    request.answeredCount++;
    if (request.answeredCount === this.#needed) {
      request.latencyMs = this.#ctx.now() - request.startMs;
      this.#completed++;
    }
  }

  /** Sends the next request, or hedges the parts of a request that are still out. */
  onTimer(timer: FanoutTimer): void {
    if (timer.kind === "next") return this.#sendNext();
    const request = this.#requests[timer.requestId];
    if (request === undefined || request.latencyMs !== null) return;
    const spares = this.#options.spares;
    for (let part = 0; part < request.answered.length; part++) {
      if (request.answered[part] === 1) continue;
      this.#ctx.send(spares[part % spares.length] as NodeId, {
        type: "part",
        requestId: request.requestId,
        part,
      });
      request.partsSent++;
    }
  }

  #sendNext(): void {
    const { backends, hedgeAfterMs } = this.#options;
    const request: OpenRequest = {
      requestId: this.#requests.length,
      startMs: this.#ctx.now(),
      latencyMs: null,
      partsSent: backends.length,
      answered: new Uint8Array(backends.length),
      answeredCount: 0,
    };
    this.#requests.push(request);
    for (const [part, backend] of backends.entries()) {
      this.#ctx.send(backend, { type: "part", requestId: request.requestId, part });
    }
    if (hedgeAfterMs !== undefined) {
      this.#ctx.setTimer(hedgeAfterMs, { kind: "hedge", requestId: request.requestId });
    }
    if (this.#requests.length < this.#options.requests) {
      this.#ctx.setTimer(this.#options.intervalMs, { kind: "next" });
    }
  }
}

/**
 * How many of `k` replies a request waiting in mode `wait` needs: k for `all`, 1 for
 * `first`, and `quorum` (default a majority, ⌊k/2⌋ + 1) for `quorum`.
 */
export function partsNeeded(k: number, wait: FanoutWait, quorum?: number): number {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(
      `Cannot count the parts needed: k must be a whole number at least 1, got ${k}`,
    );
  }
  if (wait === "all") return k;
  if (wait === "first") return 1;
  const q = quorum ?? Math.floor(k / 2) + 1;
  if (!Number.isInteger(q) || q < 1 || q > k) {
    throw new RangeError(
      `Cannot count the parts needed: quorum must be between 1 and ${k}, got ${q}`,
    );
  }
  return q;
}

/**
 * The exact q-quantile of a fan-out request's completion time when each of `k` parts
 * takes an independent draw from `distribution` and the request needs `needed` of them
 * (the `needed`-th order statistic). For `needed = k` ("wait for all") this is the
 * distribution's quantile at q^(1/k): the chance that all k are fast is the chance one is
 * fast, to the power k, which is why the tail grows with k.
 *
 * @example
 * ```ts
 * const d = { kind: "lognormal", medianMs: 10, sigma: 1, shiftMs: 0 } as const;
 * fanoutQuantile(d, 0.99, { k: 1 });  // ≈ 102 ms: the back end's own p99
 * fanoutQuantile(d, 0.99, { k: 100 }); // ≈ 413 ms: the p99.99 of one back end
 * ```
 */
export function fanoutQuantile(
  distribution: Distribution,
  q: number,
  options: { readonly k: number; readonly needed?: number },
): number {
  const { k } = options;
  const needed = options.needed ?? k;
  if (!(q > 0 && q < 1)) {
    throw new RangeError(`Cannot compute a fan-out quantile: q must be between 0 and 1, got ${q}`);
  }
  partsNeeded(k, "quorum", needed);
  // P(request done by x) = P(at least `needed` of k parts done by x) = P(Bin(k, F(x)) ≥ needed),
  // increasing in F(x): find the F(x) that makes it q, then map back through the quantile.
  let low = 0, high = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (binomialAtLeast(k, mid, needed) < q) low = mid;
    else high = mid;
  }
  return distributionQuantile(distribution, (low + high) / 2);
}

/** P(Bin(n, p) ≥ m), summed in log space so large n stays accurate. */
function binomialAtLeast(n: number, p: number, m: number): number {
  if (p <= 0) return m <= 0 ? 1 : 0;
  if (p >= 1) return 1;
  const logP = Math.log(p), logQ = Math.log1p(-p);
  let logChoose = 0; // log C(n, 0)
  let total = 0;
  for (let j = 0; j <= n; j++) {
    if (j > 0) logChoose += Math.log(n - j + 1) - Math.log(j);
    if (j >= m) total += Math.exp(logChoose + j * logP + (n - j) * logQ);
  }
  return Math.min(1, total);
}
