/**
 * What every logical clock of this folder has in common: the three events of Lamport's
 * model (a local event, a send, a receive), each of which returns the event's timestamp,
 * and the four answers a comparison of two timestamps can give.
 *
 * @module
 */

/**
 * How two events (or their timestamps) are ordered: `a` happened before `b`, after it,
 * they are the same event, or neither happened before the other ("concurrent").
 */
export type CausalOrder = "before" | "after" | "equal" | "concurrent";

/**
 * A clock a node keeps to timestamp its own events. A node calls `tick` for a local
 * event, `send` for a send (and puts the result on the message), and `receive` with the
 * timestamp a delivered message carries. Each call returns the new event's timestamp.
 *
 * @example
 * ```ts
 * import { LamportClock } from "./lamport_clock.ts";
 *
 * const clock: CausalClock<number> = new LamportClock();
 * const stamp = clock.send(); // 1: goes on the message
 * ```
 */
export interface CausalClock<S> {
  /** Timestamps a local event. */
  tick(): S;
  /** Timestamps a send; the result travels on the message. */
  send(): S;
  /** Timestamps the receipt of a message that carried `stamp`. */
  receive(stamp: S): S;
}

/** How two timestamps of one kind compare: the clock's notion of order. */
export type StampOrder<S> = (a: S, b: S) => CausalOrder;

/**
 * Compares two numbers as timestamps: a total order, so never "concurrent". This is how
 * Lamport timestamps and physical clock readings order events.
 *
 * @example
 * ```ts
 * compareNumbers(3, 5); // "before"
 * ```
 */
export function compareNumbers(a: number, b: number): CausalOrder {
  return a < b ? "before" : a > b ? "after" : "equal";
}

/**
 * The simplest "clock": each event is stamped with the node's physical clock reading,
 * which is what a system does when it trusts wall time. It ignores the timestamps that
 * messages carry, so it orders events only as well as the clocks agree.
 *
 * @example
 * ```ts
 * import { FakeContext } from "../testing/fake_context.ts";
 *
 * const ctx = new FakeContext("n1", ["n1", "n2"], { timeMs: 1_250 });
 * const clock = new PhysicalClock(() => ctx.now());
 * clock.send(); // 1250: whatever the node's clock reads now
 * ```
 */
export class PhysicalClock implements CausalClock<number> {
  readonly #now: () => number;

  /** A clock that reads `now` (a node's `ctx.now`). */
  constructor(now: () => number) {
    if (typeof now !== "function") {
      throw new TypeError("Cannot make a physical clock: now must be a function () => ms");
    }
    this.#now = now;
  }

  /** The physical clock's reading. */
  tick(): number {
    return this.#now();
  }

  /** The physical clock's reading. */
  send(): number {
    return this.#now();
  }

  /** The physical clock's reading; the message's timestamp plays no part. */
  receive(_stamp: number): number {
    return this.#now();
  }
}
