/**
 * Deadlines across a call chain. A client calls service 1, which calls service 2, and so
 * on; each does some work and then waits for the next. If every hop has its own fixed
 * timeout, a hop keeps working (and calling further) long after the client gave up. If
 * each hop passes on the time left, minus a reserve for itself, a hop whose caller can no
 * longer use the answer stops at once, and the work saved goes to requests that can
 * still succeed.
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
import { compileDistribution, DistributionSchema, type Sampler } from "../sim/distributions.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { Deadline } from "./deadline.ts";

/** Messages along the chain. */
export type ChainMessage =
  | {
    readonly type: "call";
    readonly callId: number;
    readonly budgetMs: number;
    /**
     * When the client gives up, in true time: for the observer's accounting of wasted
     * work only (a real service cannot know it without deadline propagation).
     */
    readonly clientGivesUpAtMs: number;
  }
  | { readonly type: "reply"; readonly callId: number; readonly ok: boolean };

/** The timers of a {@link ChainService}: its work is done, or its call timed out. */
export type ChainTimer =
  | { readonly kind: "worked"; readonly callId: number }
  | { readonly kind: "timeout"; readonly callId: number };

interface ChainCall {
  readonly from: NodeId;
  readonly callerCallId: number;
  readonly deadline: Deadline;
  /** When the client gives up (the observer's field of the message). */
  readonly clientGivesUpAtMs: number;
  replied: boolean;
}

/** Options of a {@link ChainService}. */
export interface ChainServiceOptions {
  /** The next service, or null for the last. */
  readonly next: NodeId | null;
  /** Time this hop works on each call before calling the next, ms. */
  readonly work: Sampler;
  /** Pass the caller's remaining budget on (true), or use `ownTimeoutMs` at every hop. */
  readonly propagate: boolean;
  /** The fixed timeout of each hop when not propagating, ms. */
  readonly ownTimeoutMs: number;
  /** Kept back from the budget passed on, for this hop's answer to travel back, ms. */
  readonly reserveMs: number;
}

/**
 * One service of the chain: works on a call, then calls the next service and waits for
 * its answer (or its timeout), then answers. With `propagate`, it refuses a call whose
 * budget is spent, stops working when the deadline passes, and does not call on when
 * nothing is left to pass on.
 */
export class ChainService implements Node<ChainMessage, ChainTimer> {
  readonly #ctx: NodeContext<ChainMessage, ChainTimer>;
  readonly #options: ChainServiceOptions;
  readonly #calls: ChainCall[] = [];
  #workMs = 0;
  #wastedWorkMs = 0;

  /** A service acting through `ctx`. */
  constructor(ctx: NodeContext<ChainMessage, ChainTimer>, options: ChainServiceOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Time spent working, ms. */
  get workMs(): number {
    return this.#workMs;
  }

  /** Time spent working after the client had given up, ms. */
  get wastedWorkMs(): number {
    return this.#wastedWorkMs;
  }

  /** Takes a call (starting its work), or the next service's answer. */
  onMessage(from: NodeId, message: ChainMessage): void {
    const now = this.#ctx.now();
    if (message.type === "call") {
      const callId = this.#calls.length;
      const call: ChainCall = {
        from,
        callerCallId: message.callId,
        deadline: Deadline.after(now, message.budgetMs),
        clientGivesUpAtMs: message.clientGivesUpAtMs,
        replied: false,
      };
      this.#calls.push(call);
      if (this.#options.propagate && message.budgetMs <= 0) return this.#reply(call, false);
      let workMs = this.#options.work(this.#ctx.random);
      // With a deadline the work is cancelled when it expires (as a cancelled context
      // stops a Go handler); without one it runs to the end whoever is waiting.
      if (this.#options.propagate) workMs = Math.min(workMs, call.deadline.remainingMs(now));
      this.#workMs += workMs;
      this.#wastedWorkMs += Math.max(0, now + workMs - Math.max(now, call.clientGivesUpAtMs));
      this.#ctx.setTimer(workMs, { kind: "worked", callId });
      return;
    }
    const call = this.#calls[message.callId];
    if (call !== undefined && !call.replied) this.#reply(call, message.ok);
  }

  /** Work done: call the next service (or answer, at the end of the chain); or a timeout. */
  onTimer(timer: ChainTimer): void {
    const call = this.#calls[timer.callId];
    if (call === undefined || call.replied) return;
    if (timer.kind === "timeout") return this.#reply(call, false);
    const now = this.#ctx.now();
    if (this.#options.propagate && call.deadline.expired(now)) return this.#reply(call, false);
    if (this.#options.next === null) return this.#reply(call, true);
    const budgetMs = this.#options.propagate
      ? call.deadline.budgetForCall(now, this.#options.reserveMs)
      : this.#options.ownTimeoutMs;
    if (budgetMs <= 0) return this.#reply(call, false); // no time left to ask anyone
    this.#ctx.send(this.#options.next, {
      type: "call",
      callId: timer.callId,
      budgetMs,
      clientGivesUpAtMs: call.clientGivesUpAtMs,
    });
    this.#ctx.setTimer(budgetMs, { kind: "timeout", callId: timer.callId });
  }

  #reply(call: ChainCall, ok: boolean): void {
    call.replied = true;
    this.#ctx.send(call.from, { type: "reply", callId: call.callerCallId, ok });
  }
}

/** Zod schema of {@link CallChainOptions}. */
export const CallChainOptionsSchema = z.strictObject({
  /** Services in the chain. Default 3. */
  hops: integerAtLeast(1).default(3),
  /** Time each hop works on a call, ms. Default lognormal, median 15 ms, σ 0.8. */
  work: DistributionSchema.prefault({ kind: "lognormal", medianMs: 15, sigma: 0.8 }),
  /** The client's timeout, ms. Default 100. */
  clientTimeoutMs: positiveMs().default(100),
  /** Propagate the deadline (true) or give every hop its own fixed timeout. Default true. */
  propagate: z.boolean().default(true),
  /** Reserve each hop keeps back from the budget it passes on, ms. Default 2. */
  reserveMs: nonNegativeMs().default(2),
  /** New client requests per second (Poisson). Default 20. */
  ratePerS: nonNegativeNumber().default(20),
  /** How long the client sends requests, ms. Default 10000. */
  durationMs: positiveMs().default(10_000),
});

/** What a user may write for {@link simulateCallChain}'s options. */
export type CallChainOptionsInput = z.input<typeof CallChainOptionsSchema>;

/** What a call-chain run measured. */
export interface CallChainResult {
  /** Requests the client made. */
  readonly requests: number;
  /** Requests answered with success within the client's timeout. */
  readonly succeeded: number;
  /** Work done at all hops, ms. */
  readonly workMs: number;
  /** Work done after the client had given up on it, ms. */
  readonly wastedWorkMs: number;
}

/**
 * A client calls a chain of `hops` services, with or without deadline propagation.
 *
 * @example
 * ```ts
 * simulateCallChain({ propagate: false }, 1).wastedWorkMs; // much more than with propagation
 * ```
 */
export function simulateCallChain(options: CallChainOptionsInput, seed: number): CallChainResult {
  const parsed = parseConfig(CallChainOptionsSchema, options, "chain");
  const simulation = new Simulation<ChainMessage>({
    seed,
    record: false,
    network: { latency: { kind: "constant", ms: 1 } },
  });
  const work = compileDistribution(parsed.work);
  const services: ChainService[] = [];
  const ids = Array.from({ length: parsed.hops }, (_, i) => `s${i + 1}`);
  let sent = 0, succeeded = 0;
  const sentAt: number[] = [];
  simulation.addNode("client", (ctx: NodeContext<ChainMessage, "next">) => {
    const schedule = () => {
      const gapMs = ctx.random.exponential(1000 / parsed.ratePerS);
      if (parsed.ratePerS > 0 && ctx.now() + gapMs < parsed.durationMs) {
        ctx.setTimer(gapMs, "next");
      }
    };
    return {
      start: schedule,
      onTimer: () => {
        sentAt.push(ctx.now());
        ctx.send("s1", {
          type: "call",
          callId: sent++,
          budgetMs: parsed.clientTimeoutMs,
          clientGivesUpAtMs: ctx.now() + parsed.clientTimeoutMs,
        });
        schedule();
      },
      onMessage: (_from, message) => {
        if (message.type !== "reply" || !message.ok) return;
        if (ctx.now() - (sentAt[message.callId] as number) <= parsed.clientTimeoutMs) succeeded++;
      },
    };
  });
  ids.forEach((id, i) =>
    simulation.addNode(id, (ctx: NodeContext<ChainMessage, ChainTimer>) => {
      const service = new ChainService(ctx, {
        next: ids[i + 1] ?? null,
        work,
        propagate: parsed.propagate,
        ownTimeoutMs: parsed.clientTimeoutMs,
        reserveMs: parsed.reserveMs,
      });
      services.push(service);
      return service;
    })
  );
  simulation.runUntilQuiet({ untilMs: Infinity });
  return {
    requests: sent,
    succeeded,
    workMs: services.reduce((sum, s) => sum + s.workMs, 0),
    wastedWorkMs: services.reduce((sum, s) => sum + s.wastedWorkMs, 0),
  };
}
