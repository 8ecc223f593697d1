/**
 * rxjs in the simulator's virtual time. {@link SimulationScheduler} is an rxjs
 * `SchedulerLike` whose `now()` is the simulation's virtual time and whose scheduled
 * actions run as simulator events, so `timer`, `delay`, `timeout`, `throttleTime` and
 * `retry({ delay })` given this scheduler run deterministically, at simulated speed, and
 * never touch the wall clock. On top of it, the resilience policies as operators:
 * {@link retryWithBackoff}, {@link withDeadline}, {@link rateLimit},
 * {@link withCircuitBreaker} and {@link hedged}; and {@link RxClient}, a node whose
 * requests are Observables.
 *
 * Subscribe with an error handler: rxjs reports an unhandled error on a real wall-clock
 * timer, outside virtual time.
 *
 * @module
 */
import {
  defer,
  filter,
  type MonoTypeOperatorFunction,
  Observable,
  race,
  retry,
  type SchedulerAction,
  type SchedulerLike,
  Subscription,
  switchMap,
  take,
  tap,
  throwError,
  timeout,
  timer,
} from "rxjs";
import type { Message, Node, NodeContext, NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import { Backoff, type BackoffOptionsInput } from "./backoff.ts";
import type { CircuitBreaker } from "./circuit_breaker.ts";
import type { Deadline } from "./deadline.ts";
import type { RetryBudget, TokenBucket } from "./token_bucket.ts";

/** What a virtual-time scheduler needs: the time, and a way to run code later. */
export interface VirtualClock {
  /** Virtual time now, ms. */
  now(): number;
  /** Runs `action` `delayMs` from now, as an event of the simulation; returns a cancel. */
  after(delayMs: number, action: () => void): () => void;
}

/** The part of a {@link Simulation} a scheduler uses (any message type). */
export interface SimulationClockSource {
  /** Virtual time now, ms. */
  readonly now: number;
  /** Runs `action` at virtual time `timeMs`. */
  at(timeMs: number, action: () => void): void;
}

/**
 * The virtual clock of a simulation: actions run as the simulation's scheduled events
 * (`sim.at`), in virtual-time order with every message and timer.
 */
export function simulationClock(simulation: SimulationClockSource): VirtualClock {
  return {
    now: () => simulation.now,
    after: (delayMs, action) => {
      let live = true;
      simulation.at(simulation.now + delayMs, () => {
        if (live) action();
      });
      return () => {
        live = false;
      };
    },
  };
}

class VirtualAction<T> extends Subscription implements SchedulerAction<T> {
  readonly #clock: VirtualClock;
  readonly #work: (this: SchedulerAction<T>, state?: T) => void;
  #cancel: (() => void) | undefined;

  constructor(clock: VirtualClock, work: (this: SchedulerAction<T>, state?: T) => void) {
    super();
    this.#clock = clock;
    this.#work = work;
    this.add(() => this.#cancel?.());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    // Rescheduling replaces the pending run: one action, at most one pending run.
    this.#cancel?.();
    const delayMs = Number.isFinite(delay) ? Math.max(0, delay) : 0;
    this.#cancel = this.#clock.after(delayMs, () => this.#execute(state));
    return this;
  }

  #execute(state: T | undefined): void {
    this.#cancel = undefined;
    if (this.closed) return;
    try {
      this.#work.call(this, state);
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
  }
}

/**
 * An rxjs scheduler on virtual time. Give it to any time-based rxjs function (`timer`,
 * `interval`, `delay`, `timeout`, `throttleTime`, ...) and its waiting happens in the
 * simulation: nothing runs until the simulation does, and the same seed gives the same
 * emissions at the same virtual times.
 *
 * @example
 * ```ts
 * import { interval, take } from "rxjs";
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const scheduler = new SimulationScheduler(sim);
 * const seen: number[] = [];
 * interval(100, scheduler).pipe(take(3)).subscribe(() => seen.push(scheduler.now()));
 * sim.runUntil(1000);
 * seen; // [100, 200, 300]
 * ```
 */
export class SimulationScheduler implements SchedulerLike {
  readonly #clock: VirtualClock;

  /** A scheduler on a simulation's clock (or any {@link VirtualClock}). */
  constructor(source: SimulationClockSource | VirtualClock) {
    this.#clock = "after" in source ? source : simulationClock(source);
  }

  /** Virtual time now, ms. */
  now(): number {
    return this.#clock.now();
  }

  /** Runs `work` after `delay` ms of virtual time. */
  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new VirtualAction<T>(this.#clock, work).schedule(state, delay);
  }
}

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** The backoff between retries. */
  readonly backoff: BackoffOptionsInput;
  /** The stream the jitter draws from (a node's `ctx.random`, or `sim.random.child(...)`). */
  readonly random: Random;
  /** The virtual-time scheduler the sleeps run on. */
  readonly scheduler: SchedulerLike;
  /** A retry budget that each retry must pass (absent: none). */
  readonly budget?: RetryBudget;
  /** Whether an error may be retried (absent: all may). Only idempotent work should be. */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * Resubscribes to the source after an error, sleeping `backoff(attempt)` of virtual time
 * first, up to `maxRetries` times, while the budget allows and the error is retryable.
 * The backoff is per subscription: decorrelated jitter starts over for each request.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RequestServer, type ServiceMessage } from "./request_response.ts";
 *
 * const sim = new Simulation<ServiceMessage>({ seed: 1 });
 * sim.addNode("server", (ctx) => new RequestServer(ctx));
 * let client!: RxClient<ServiceMessage>;
 * sim.addNode("client", (ctx) => client = new RxClient(ctx));
 * const request: ServiceMessage = { type: "request", requestId: 1, attempt: 1, x: 12 };
 * const isReplyTo = (id: number) => (m: ServiceMessage) =>
 *   m.type === "reply" && m.requestId === id;
 * const scheduler = new SimulationScheduler(sim);
 * const random = sim.random.child("retry");
 * const replies: ServiceMessage[] = [];
 * sim.at(0, () =>
 *   client.request$("server", request, isReplyTo(1)).pipe(
 *     withDeadline(50, scheduler),
 *     retryWithBackoff({ maxRetries: 3, backoff: { strategy: "full" }, random, scheduler }),
 *   ).subscribe((reply) => replies.push(reply)));
 * sim.runUntil(1_000);
 * replies; // [{ type: "reply", requestId: 1, attempt: 1, value: 144 }]
 * ```
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const backoff = new Backoff(options.backoff, options.random);
      options.budget?.onRequest();
      return source.pipe(retry({
        count: options.maxRetries,
        delay: (error: unknown, retryCount: number) => {
          if (options.retryable !== undefined && !options.retryable(error)) {
            return throwError(() => error);
          }
          if (options.budget !== undefined && !options.budget.tryRetry()) {
            return throwError(() => error);
          }
          return timer(backoff.next(retryCount), options.scheduler);
        },
      }));
    });
}

/**
 * Fails with rxjs's `TimeoutError` unless the source emits within `budgetMs` of virtual
 * time from subscription, or before a {@link Deadline} passes.
 */
export function withDeadline<T>(
  budget: number | Deadline,
  scheduler: SchedulerLike,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const ms = typeof budget === "number" ? budget : budget.remainingMs(scheduler.now());
      return source.pipe(timeout({ first: ms, scheduler }));
    });
}

/**
 * Lets a value through only if the token bucket has a token at that virtual time; the
 * rest are dropped (shed), not delayed.
 */
export function rateLimit<T>(
  bucket: TokenBucket,
  scheduler: SchedulerLike,
): MonoTypeOperatorFunction<T> {
  return filter(() => bucket.tryTake(scheduler.now()));
}

/** The error of a call a circuit breaker refused. */
export class BreakerOpenError extends Error {
  /** An error for a refused call. */
  constructor() {
    super("Cannot call: the circuit breaker is open");
    this.name = "BreakerOpenError";
  }
}

/**
 * Runs each subscription to the source through `breaker`: refused at once with a
 * {@link BreakerOpenError} when the breaker says no; otherwise its first value (or
 * completion) reports a success and its error a failure.
 */
export function withCircuitBreaker<T>(
  breaker: CircuitBreaker,
  scheduler: SchedulerLike,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const permit = breaker.allow(scheduler.now());
      if (permit === null) return throwError(() => new BreakerOpenError());
      let reported = false;
      const report = (ok: boolean) => {
        if (reported) return;
        reported = true;
        if (ok) breaker.onSuccess(permit, scheduler.now());
        else breaker.onFailure(permit, scheduler.now());
      };
      return source.pipe(tap({
        next: () => report(true),
        complete: () => report(true),
        error: () => report(false),
      }));
    });
}

/**
 * A hedged request (Dean and Barroso, "The Tail at Scale"): subscribe to `request()`, and
 * if it has not emitted after `hedgeAfterMs` of virtual time, to a second `request()` as
 * well; the first value wins and the other is unsubscribed.
 */
export function hedged<T>(
  request: () => Observable<T>,
  hedgeAfterMs: number,
  scheduler: SchedulerLike,
): Observable<T> {
  return race(
    defer(request),
    timer(hedgeAfterMs, scheduler).pipe(switchMap(() => defer(request))),
  ).pipe(take(1));
}

interface PendingRequest<M> {
  readonly matches: (message: M) => boolean;
  readonly deliver: (message: M) => void;
}

/**
 * A node whose requests are Observables: `request$(to, message, isReply)` sends `message`
 * when subscribed and emits the first message that `isReply` accepts, then completes. Each
 * subscription sends again, so rxjs `retry` resends. It acts only through its context.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RequestServer, type ServiceMessage } from "./request_response.ts";
 *
 * const sim = new Simulation<ServiceMessage>({ seed: 1 });
 * sim.addNode("server", (ctx) => new RequestServer(ctx));
 * let client!: RxClient<ServiceMessage>;
 * sim.addNode("client", (ctx) => client = new RxClient(ctx));
 * const request: ServiceMessage = { type: "request", requestId: 1, attempt: 1, x: 12 };
 * const isReplyTo = (id: number) => (m: ServiceMessage) =>
 *   m.type === "reply" && m.requestId === id;
 * sim.at(0, () => client.request$("server", request, isReplyTo(1)).subscribe(console.log));
 * sim.runUntil(1_000); // logs { type: "reply", requestId: 1, attempt: 1, value: 144 }
 * ```
 */
export class RxClient<M extends Message> implements Node<M> {
  readonly #ctx: NodeContext<M>;
  readonly #pending = new Set<PendingRequest<M>>();

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<M>) {
    this.#ctx = ctx;
  }

  /** The node's context (its clock, random stream and id). */
  get context(): NodeContext<M> {
    return this.#ctx;
  }

  /** Sends `message` to `to` on each subscription; emits the first reply `isReply` accepts. */
  request$(to: NodeId, message: M, isReply: (reply: M) => boolean): Observable<M> {
    return new Observable<M>((subscriber) => {
      const pending: PendingRequest<M> = {
        matches: isReply,
        deliver: (reply) => {
          this.#pending.delete(pending);
          subscriber.next(reply);
          subscriber.complete();
        },
      };
      this.#pending.add(pending);
      this.#ctx.send(to, message);
      return () => this.#pending.delete(pending);
    });
  }

  /** Hands a message to the first waiting request that accepts it. */
  onMessage(_from: NodeId, message: M): void {
    for (const pending of this.#pending) {
      if (pending.matches(message)) return pending.deliver(message);
    }
  }
}
