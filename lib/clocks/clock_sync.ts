/**
 * Physical clock synchronisation over the network: a client asks a time server for its
 * time and corrects its own clock by what it learns. Two estimates of the offset:
 *
 * - **Cristian's algorithm** (Cristian, "Probabilistic Clock Synchronization", 1989): the
 *   server's reply carries its time; the client assumes it was read halfway through the
 *   round trip, so the estimate is off by at most half the round-trip time.
 * - **NTP's on-wire estimate** (Mills, RFC 5905): four timestamps, request sent (t1) and
 *   received (t2), reply sent (t3) and received (t4); the server's processing time t3 − t2
 *   is taken out of the delay, and the estimate is off by at most half of what is left.
 *
 * Neither can do better without knowing how the round trip splits between the two
 * directions: an asymmetric path shifts the estimate by half the asymmetry, and no
 * exchange of messages can measure that.
 *
 * @module
 */
import { z } from "zod";
import { nodeIdField, nonNegativeMs, parseConfig, positiveMs } from "../config/mod.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** How a client estimates its offset from the server. */
export type SyncAlgorithm = "cristian" | "ntp";

/** What one exchange tells the client: its clock's offset from the server's. */
export interface OffsetEstimate {
  /** How far the client's clock is behind the server's, in ms: add it to catch up. */
  readonly offsetMs: number;
  /** The round trip on the client's clock (t4 − t1), in ms. */
  readonly rttMs: number;
  /** The network's share of the round trip, in ms: the RTT for Cristian, t4 − t1 − (t3 − t2) for NTP. */
  readonly delayMs: number;
  /** The most the estimate can be off by (half the delay), in ms, if clocks do not drift meanwhile. */
  readonly errorBoundMs: number;
}

/**
 * Cristian's estimate: the client sent its request at `requestSentMs` and got the reply
 * at `replyReceivedMs` (its own clock), and the server's clock read `serverTimeMs` when
 * it replied. Assuming the reply was read halfway through the round trip, the server's
 * time now is `serverTimeMs + rtt / 2`; the server read its clock somewhere in the round
 * trip, so the error is at most rtt / 2.
 *
 * @example
 * ```ts
 * cristianEstimate(100, 130, 120); // { offsetMs: 20, rttMs: 20, delayMs: 20, errorBoundMs: 10 }
 * ```
 */
export function cristianEstimate(
  requestSentMs: number,
  serverTimeMs: number,
  replyReceivedMs: number,
): OffsetEstimate {
  checkTimes({ requestSentMs, serverTimeMs, replyReceivedMs });
  const rttMs = replyReceivedMs - requestSentMs;
  checkRoundTrip(rttMs);
  return {
    offsetMs: serverTimeMs + rttMs / 2 - replyReceivedMs,
    rttMs,
    delayMs: rttMs,
    errorBoundMs: rttMs / 2,
  };
}

/**
 * NTP's estimate from the four timestamps of one exchange: request sent (t1, client
 * clock), received (t2, server clock), reply sent (t3, server clock), received (t4,
 * client clock). Offset θ = ((t2 − t1) + (t3 − t4)) / 2, delay δ = (t4 − t1) − (t3 − t2);
 * θ is exact when both directions take the same time and off by at most δ / 2 otherwise.
 *
 * @example
 * ```ts
 * ntpEstimate(100, 125, 135, 120); // { offsetMs: 20, rttMs: 20, delayMs: 10, errorBoundMs: 5 }
 * ```
 */
export function ntpEstimate(t1: number, t2: number, t3: number, t4: number): OffsetEstimate {
  checkTimes({ t1, t2, t3, t4 });
  const rttMs = t4 - t1;
  checkRoundTrip(rttMs);
  if (t3 < t2) {
    throw new RangeError(
      `Cannot estimate an offset: the server replied (t3 = ${t3}) before it received the request (t2 = ${t2})`,
    );
  }
  // A server whose processing outlasts the client's round trip (drifting clocks) would
  // give a negative delay: clamp it, since no path is faster than instantaneous.
  const delayMs = Math.max(0, rttMs - (t3 - t2));
  return { offsetMs: ((t2 - t1) + (t3 - t4)) / 2, rttMs, delayMs, errorBoundMs: delayMs / 2 };
}

/** A time server's and a client's messages. */
export type SyncMessage =
  | {
    /** "What time is it?" */
    readonly type: "time-request";
    /** The client's number for this exchange. */
    readonly seq: number;
  }
  | {
    /** The server's answer. */
    readonly type: "time-reply";
    /** The request's number. */
    readonly seq: number;
    /** When the request arrived, on the server's clock (t2). */
    readonly receivedMs: number;
    /** When the reply left, on the server's clock (t3). */
    readonly sentMs: number;
  };

/** A reply the server owes, waiting out its processing time. */
export interface PendingReply {
  /** The client to answer. */
  readonly to: NodeId;
  /** The request's number. */
  readonly seq: number;
  /** When the request arrived, on the server's clock. */
  readonly receivedMs: number;
}

/** Zod schema of {@link TimeServerOptions}. */
export const TimeServerOptionsSchema = z.strictObject({
  /** Time between a request's arrival and the reply, on the server's clock, in ms. Default 0. */
  processingMs: nonNegativeMs().default(0),
});

/** Settings of a {@link TimeServer}. */
export type TimeServerOptions = z.output<typeof TimeServerOptionsSchema>;

/**
 * A time server: answers each request with the times, on its own clock, the request
 * arrived and the reply left, after `processingMs` (a busy server, or a kernel that
 * timestamps late).
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("server", (ctx) => new TimeServer(ctx, { processingMs: 2 }));
 * ```
 */
export class TimeServer implements Node<SyncMessage, PendingReply> {
  readonly #ctx: NodeContext<SyncMessage, PendingReply>;
  readonly #options: TimeServerOptions;

  /** A server acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<SyncMessage, PendingReply>,
    options: z.input<typeof TimeServerOptionsSchema> = {},
  ) {
    this.#ctx = ctx;
    this.#options = parseConfig(TimeServerOptionsSchema, options, "server");
  }

  /** Answers requests (after the processing time); ignores anything else. */
  onMessage(from: NodeId, message: SyncMessage): void {
    if (message.type !== "time-request") return;
    const pending = { to: from, seq: message.seq, receivedMs: this.#ctx.now() };
    if (this.#options.processingMs === 0) this.#reply(pending);
    else this.#ctx.setTimer(this.#options.processingMs, pending);
  }

  /** Sends a reply whose processing time is over. */
  onTimer(pending: PendingReply): void {
    this.#reply(pending);
  }

  #reply(pending: PendingReply): void {
    this.#ctx.send(pending.to, {
      type: "time-reply",
      seq: pending.seq,
      receivedMs: pending.receivedMs,
      sentMs: this.#ctx.now(),
    });
  }
}

/** One completed exchange, as the client saw it (times on the client's corrected clock). */
export interface SyncExchange extends OffsetEstimate {
  /** The client. */
  readonly client: NodeId;
  /** The exchange's number. */
  readonly seq: number;
  /** The estimate used. */
  readonly algorithm: SyncAlgorithm;
  /** t1: when the request left, on the client's corrected clock. */
  readonly requestSentMs: number;
  /** t2: when it arrived, on the server's clock. */
  readonly serverReceivedMs: number;
  /** t3: when the reply left, on the server's clock. */
  readonly serverSentMs: number;
  /** t4: when the reply arrived, on the client's corrected clock (before this correction). */
  readonly replyReceivedMs: number;
  /** The client's total correction after applying this estimate, in ms. */
  readonly correctionMs: number;
}

/** Called by a client after each exchange; an observer's hook that must not act on the run. */
export type SyncObserver = (exchange: SyncExchange) => void;

/** Zod schema of {@link SyncClientOptions}. */
export const SyncClientOptionsSchema = z.strictObject({
  /** The time server to ask. */
  server: nodeIdField(),
  /** How to estimate the offset. Default "ntp". */
  algorithm: z.enum(["cristian", "ntp"]).default("ntp"),
  /** Time between two exchanges, on the client's clock, in ms. Default 1000. */
  periodMs: positiveMs().default(1000),
  /** Told of every completed exchange. Default none. */
  observer: z.custom<SyncObserver>((value) => typeof value === "function", {
    error: "must be a function (exchange) => void",
  }).optional(),
});

/** Settings of a {@link SyncClient}, with defaults applied. */
export type SyncClientOptions = z.output<typeof SyncClientOptionsSchema>;

/** What a user may write for {@link SyncClientOptions}. */
export type SyncClientOptionsInput = z.input<typeof SyncClientOptionsSchema>;

/**
 * A node that keeps a corrected clock: its own (drifting) clock plus a correction, which
 * it updates every `periodMs` by asking the server. The first exchange happens at a
 * random point of the first period, so clients do not all ask at once. A reply that
 * comes after the next request has gone is ignored (it is stale), and a lost message
 * just means one exchange fewer.
 *
 * The correction is applied as a step, so the corrected clock can jump backwards; NTP
 * daemons slew small corrections instead (run the clock slightly fast or slow until it
 * catches up), to keep time monotonic.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("server", (ctx) => new TimeServer(ctx));
 * sim.addNode("n1", (ctx) => new SyncClient(ctx, { server: "server", periodMs: 500 }));
 * sim.runUntil(10_000);
 * sim.node<SyncClient>("n1")!.now(); // close to the server's clock
 * ```
 */
export class SyncClient implements Node<SyncMessage, "sync"> {
  readonly #ctx: NodeContext<SyncMessage, "sync">;
  readonly #options: SyncClientOptions;
  #correctionMs = 0;
  #seq = 0;
  #outstanding: { readonly seq: number; readonly sentMs: number } | undefined;

  /** A client acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<SyncMessage, "sync">, options: SyncClientOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseConfig(SyncClientOptionsSchema, options, "client");
  }

  /** What the client adds to its own clock, in ms (0 before the first exchange). */
  get correctionMs(): number {
    return this.#correctionMs;
  }

  /** The client's corrected time: its own clock plus the correction. */
  now(): number {
    return this.#ctx.now() + this.#correctionMs;
  }

  /** The corrected time for a reading `localMs` of the client's own clock. */
  correctedTime(localMs: number): number {
    return localMs + this.#correctionMs;
  }

  /** Schedules the first exchange at a random point of the first period. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.periodMs), "sync");
  }

  /** Starts an exchange, and schedules the next. */
  onTimer(): void {
    const seq = ++this.#seq;
    this.#outstanding = { seq, sentMs: this.now() };
    this.#ctx.send(this.#options.server, { type: "time-request", seq });
    this.#ctx.setTimer(this.#options.periodMs, "sync");
  }

  /** Applies the estimate of a reply to the outstanding request. */
  onMessage(from: NodeId, message: SyncMessage): void {
    const outstanding = this.#outstanding;
    if (
      message.type !== "time-reply" || from !== this.#options.server ||
      outstanding === undefined || message.seq !== outstanding.seq
    ) {
      return; // stale, duplicate or stray
    }
    this.#outstanding = undefined;
    const receivedMs = this.now();
    const estimate = this.#options.algorithm === "cristian"
      ? cristianEstimate(outstanding.sentMs, message.sentMs, receivedMs)
      : ntpEstimate(outstanding.sentMs, message.receivedMs, message.sentMs, receivedMs);
    this.#correctionMs += estimate.offsetMs;
    this.#options.observer?.({
      ...estimate,
      client: this.#ctx.id,
      seq: message.seq,
      algorithm: this.#options.algorithm,
      requestSentMs: outstanding.sentMs,
      serverReceivedMs: message.receivedMs,
      serverSentMs: message.sentMs,
      replyReceivedMs: receivedMs,
      correctionMs: this.#correctionMs,
    });
  }
}

function checkTimes(times: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(times)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(
        `Cannot estimate an offset: ${name} must be a finite number of ms, got ${value}`,
      );
    }
  }
}

function checkRoundTrip(rttMs: number): void {
  if (rttMs < 0) {
    throw new RangeError(
      `Cannot estimate an offset: the reply arrived ${-rttMs} ms before the request left`,
    );
  }
}
