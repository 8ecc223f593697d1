/**
 * Backoff between retries: how long a client sleeps before trying again. The five
 * strategies of Marc Brooker's "Exponential Backoff and Jitter" (AWS Architecture Blog,
 * 2015), each capped:
 *
 * - `none`: retry at once;
 * - `exponential`: `min(cap, base · 2^attempt)`;
 * - `full` jitter: uniform in `[0, exponential)`;
 * - `equal` jitter: half the exponential value plus uniform in `[0, half)`;
 * - `decorrelated` jitter: `min(cap, uniform(base, 3 · previous sleep))`, starting from base.
 *
 * `attempt` counts retries from 1: the sleep before the first retry is `backoff(1)`.
 *
 * @module
 */
import { z } from "zod";
import { parseConfig, positiveMs } from "../config/mod.ts";
import type { Random } from "../sim/random.ts";

/** The backoff strategies, in the order the blog introduces them. */
export const BACKOFF_STRATEGIES = ["none", "exponential", "full", "equal", "decorrelated"] as const;

/** A backoff strategy's name. */
export type BackoffStrategy = typeof BACKOFF_STRATEGIES[number];

/** Zod schema of {@link BackoffOptions}. */
export const BackoffOptionsSchema = z.strictObject({
  /** Which strategy. Default `full` (full jitter). */
  strategy: z.enum(BACKOFF_STRATEGIES).default("full"),
  /** The base sleep, in ms. Default 5. */
  baseMs: positiveMs().default(5),
  /** The most any sleep may be, in ms. Default 2000. */
  capMs: positiveMs().default(2000),
}).refine((o) => o.capMs >= o.baseMs, {
  error: "must be at least baseMs",
  path: ["capMs"],
});

/** Settings of a {@link Backoff}, with defaults applied. */
export type BackoffOptions = z.output<typeof BackoffOptionsSchema>;

/** What a user may write for {@link BackoffOptions}. */
export type BackoffOptionsInput = z.input<typeof BackoffOptionsSchema>;

/**
 * Capped exponential backoff, `min(capMs, baseMs · 2^attempt)`: the envelope that full and
 * equal jitter draw under. `attempt` is a whole number from 1.
 *
 * @example
 * ```ts
 * cappedExponentialMs(1, 5, 2000); // 10
 * cappedExponentialMs(20, 5, 2000); // 2000
 * ```
 */
export function cappedExponentialMs(attempt: number, baseMs: number, capMs: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute a backoff: attempt must be a whole number at least 1, got ${attempt}`,
    );
  }
  // 2^attempt overflows to Infinity past attempt 1023; min() still gives the cap.
  return Math.min(capMs, baseMs * 2 ** attempt);
}

/**
 * One client's backoff: call {@link Backoff.next} with the retry's attempt number (1 for
 * the first retry) to get the sleep before it. Decorrelated jitter remembers its previous
 * sleep, so each client needs its own instance; {@link Backoff.reset} starts it over (after
 * a success). Random draws come from the stream it was given.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const backoff = new Backoff({ strategy: "full", baseMs: 5, capMs: 2000 }, new Random(1));
 * backoff.next(1); // in [0, 10)
 * backoff.next(3); // in [0, 40)
 * ```
 */
export class Backoff {
  /** The settings in use. */
  readonly options: BackoffOptions;
  readonly #random: Random;
  #previousMs: number;

  /** A backoff drawing from `random`; a bad option throws a ConfigError naming it. */
  constructor(options: BackoffOptionsInput, random: Random) {
    this.options = parseConfig(BackoffOptionsSchema, options, "backoff");
    this.#random = random;
    this.#previousMs = this.options.baseMs;
  }

  /** The sleep before retry number `attempt` (1, 2, ...), in ms. */
  next(attempt: number): number {
    const { strategy, baseMs, capMs } = this.options;
    const envelope = cappedExponentialMs(attempt, baseMs, capMs);
    switch (strategy) {
      case "none":
        return 0;
      case "exponential":
        return envelope;
      case "full":
        return this.#random.uniform(0, envelope);
      case "equal":
        return envelope / 2 + this.#random.uniform(0, envelope / 2);
      case "decorrelated":
        // Grows from the previous sleep, not from the attempt number: sleeps wander
        // instead of marching in lockstep with everyone else's attempt count.
        this.#previousMs = Math.min(capMs, this.#random.uniform(baseMs, this.#previousMs * 3));
        return this.#previousMs;
    }
  }

  /** Forgets the history (decorrelated jitter starts again from base). */
  reset(): void {
    this.#previousMs = this.options.baseMs;
  }
}

/**
 * The range the sleep before retry `attempt` falls in, for a strategy: `[min, max]` in ms
 * (decorrelated jitter's range depends on its previous sleep, given as `previousMs`).
 * What the property tests check every draw against.
 *
 * @example
 * ```ts
 * backoffRange("equal", 2, { baseMs: 5, capMs: 2000 }); // [10, 20]
 * ```
 */
export function backoffRange(
  strategy: BackoffStrategy,
  attempt: number,
  options: { readonly baseMs: number; readonly capMs: number; readonly previousMs?: number },
): [minMs: number, maxMs: number] {
  const { baseMs, capMs } = options;
  const envelope = cappedExponentialMs(attempt, baseMs, capMs);
  switch (strategy) {
    case "none":
      return [0, 0];
    case "exponential":
      return [envelope, envelope];
    case "full":
      return [0, envelope];
    case "equal":
      return [envelope / 2, envelope];
    case "decorrelated": {
      const previous = options.previousMs ?? baseMs;
      return [Math.min(capMs, baseMs), Math.min(capMs, previous * 3)];
    }
  }
}
