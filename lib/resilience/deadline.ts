/**
 * Deadlines carried across a chain of calls. A caller that will wait 100 ms tells the
 * callee so, and the callee passes on what is left (minus what it needs for itself) to
 * the services it calls, so no one keeps working on an answer nobody is waiting for.
 *
 * Between nodes the deadline travels as a *remaining budget* (ms), not as a time of day,
 * the way gRPC sends its timeout: each node's clock reads differently, and a budget
 * measured on the receiver's own clock does not care. The budget shrinks by the network
 * delay the message spent on the way, which the receiver cannot see: that is what
 * `reserveMs` is for.
 *
 * @module
 */

/**
 * A point in time (on one node's clock) after which an answer is useless.
 *
 * @example
 * ```ts
 * const deadline = Deadline.after(1000, 100); // expires at 1100 ms
 * deadline.remainingMs(1030);                 // 70
 * deadline.budgetForCall(1030, 5);            // 65: what to send the callee
 * Deadline.after(2000, 65).expiresAtMs;        // the callee's deadline, on its own clock
 * ```
 */
export class Deadline {
  /** When it expires, on the clock it was made with, ms. */
  readonly expiresAtMs: number;

  /** A deadline at `expiresAtMs` (use {@link Deadline.after} from a budget). */
  constructor(expiresAtMs: number) {
    if (Number.isNaN(expiresAtMs)) {
      throw new RangeError("Cannot make a deadline: expiresAtMs is NaN");
    }
    this.expiresAtMs = expiresAtMs;
  }

  /** The deadline `budgetMs` after `nowMs` (a budget of Infinity never expires). */
  static after(nowMs: number, budgetMs: number): Deadline {
    if (!(budgetMs >= 0)) {
      throw new RangeError(`Cannot make a deadline: budgetMs must be at least 0, got ${budgetMs}`);
    }
    return new Deadline(nowMs + budgetMs);
  }

  /** Time left at `nowMs`, ms; 0 once expired. */
  remainingMs(nowMs: number): number {
    return Math.max(0, this.expiresAtMs - nowMs);
  }

  /** Whether it has passed at `nowMs`. */
  expired(nowMs: number): boolean {
    return nowMs >= this.expiresAtMs;
  }

  /**
   * The budget to give a callee at `nowMs`: what is left, minus `reserveMs` kept for this
   * node's own work after the call returns and the trip back. 0 means do not call.
   */
  budgetForCall(nowMs: number, reserveMs = 0): number {
    return Math.max(0, this.remainingMs(nowMs) - reserveMs);
  }
}
