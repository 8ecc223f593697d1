/**
 * Bulkheads: separate concurrency pools, so one slow dependency cannot take every worker
 * (or connection, or thread) a service has. Named after a ship's watertight compartments:
 * a leak floods one, not the ship.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, parseConfig } from "../config/mod.ts";

/** Zod schema of {@link BulkheadOptions}. */
export const BulkheadOptionsSchema = z.strictObject({
  /** Calls that may run at once. */
  maxConcurrent: integerAtLeast(1),
  /** Calls that may wait for a slot; more are rejected at once. Default 0. */
  maxQueue: integerAtLeast(0).default(0),
});

/** Settings of a {@link Bulkhead}, with defaults applied. */
export type BulkheadOptions = z.output<typeof BulkheadOptionsSchema>;

/** What a user may write for {@link BulkheadOptions}. */
export type BulkheadOptionsInput = z.input<typeof BulkheadOptionsSchema>;

/** What happened to a call offered to a {@link Bulkhead}. */
export type BulkheadAdmission = "run" | "queued" | "rejected";

/**
 * A pool of `maxConcurrent` slots with a waiting line of at most `maxQueue`. Offer a call
 * with {@link Bulkhead.enter}; when a running call ends, {@link Bulkhead.leave} frees its
 * slot and returns the next waiting call, which now runs.
 *
 * @example
 * ```ts
 * const pool = new Bulkhead<string>({ maxConcurrent: 1, maxQueue: 1 });
 * pool.enter("a"); // "run"
 * pool.enter("b"); // "queued"
 * pool.enter("c"); // "rejected"
 * pool.leave();    // "b": it runs now
 * ```
 */
export class Bulkhead<T> {
  /** The settings in use. */
  readonly options: BulkheadOptions;
  readonly #waiting: T[] = [];
  #waitingHead = 0;
  #running = 0;
  #rejected = 0;

  /** An empty pool; a bad option throws a ConfigError naming it. */
  constructor(options: BulkheadOptionsInput) {
    this.options = parseConfig(BulkheadOptionsSchema, options, "bulkhead");
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting now. */
  get waiting(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  /** Calls rejected so far. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Offers `call`: it runs now, waits for a slot, or is rejected. */
  enter(call: T): BulkheadAdmission {
    if (this.#running < this.options.maxConcurrent) {
      this.#running++;
      return "run";
    }
    if (this.waiting < this.options.maxQueue) {
      this.#waiting.push(call);
      return "queued";
    }
    this.#rejected++;
    return "rejected";
  }

  /** Frees the slot of a call that ended; returns the waiting call that takes it, if any. */
  leave(): T | undefined {
    if (this.#running === 0) {
      throw new RangeError("Cannot leave the bulkhead: no call is running");
    }
    if (this.waiting > 0) {
      const next = this.#waiting[this.#waitingHead] as T;
      this.#waitingHead++;
      if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#waitingHead);
        this.#waitingHead = 0;
      }
      return next; // its slot is the one just freed: running stays the same
    }
    this.#running--;
    return undefined;
  }
}
