/**
 * Lamport's logical clock ("Time, Clocks, and the Ordering of Events in a Distributed
 * System", 1978): one counter per node, so that if event a happened before event b then
 * L(a) < L(b). The converse does not hold: L(a) < L(b) says nothing about whether a
 * could have influenced b.
 *
 * @module
 */
import type { CausalClock } from "./causal_clock.ts";

/**
 * A Lamport clock. Rules (Lamport 1978, IR1 and IR2):
 *
 * - IR1: the counter goes up by one between any two events of the node (a local event, a
 *   send, a receive);
 * - IR2: a message carries the sender's counter, and on receipt the counter jumps past
 *   it: `max(local, received) + 1`.
 *
 * @example
 * ```ts
 * const a = new LamportClock(), b = new LamportClock();
 * a.tick();                 // 1
 * const stamp = a.send();   // 2
 * b.receive(stamp);         // 3: past the message's 2, though b had seen nothing
 * ```
 */
export class LamportClock implements CausalClock<number> {
  #time: number;

  /** A clock at `initial` (default 0: before the node's first event). */
  constructor(initial = 0) {
    if (!Number.isInteger(initial) || initial < 0) {
      throw new RangeError(
        `Cannot start a Lamport clock at ${initial}: it must be a whole number at least 0`,
      );
    }
    this.#time = initial;
  }

  /** The timestamp of the node's latest event (0 before any). */
  get time(): number {
    return this.#time;
  }

  /** A local event: one more than the previous event (IR1). */
  tick(): number {
    return ++this.#time;
  }

  /** A send: the event is timestamped like any other, and the stamp goes on the message. */
  send(): number {
    return ++this.#time;
  }

  /**
   * The receipt of a message stamped `stamp`: past both the node's previous event (IR1)
   * and the send (IR2), so the send happened-before the receipt in clock order too.
   */
  receive(stamp: number): number {
    if (!Number.isInteger(stamp) || stamp < 0) {
      throw new RangeError(
        `Cannot receive Lamport timestamp ${stamp}: it must be a whole number at least 0`,
      );
    }
    this.#time = Math.max(this.#time, stamp) + 1;
    return this.#time;
  }
}
