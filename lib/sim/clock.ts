/**
 * Per-node clocks. Each node reads its own clock, which runs at a slightly wrong rate
 * (drift) from a wrong starting point (offset) and can jump (an operator or NTP step).
 * True time belongs to the simulator and to observers, never to nodes.
 *
 * @module
 */
import { z } from "zod";

/**
 * The largest drift a clock may have, in ppm: 10,000 ppm (1%, 36 s an hour). Quartz is
 * within ±50 ppm and even a free-running RC oscillator is within about ±1%, so anything
 * larger is a typo (a fraction written as ppm), not a clock.
 */
export const MAX_DRIFT_PPM = 10_000;

/** Zod schema of a {@link ClockConfig}. */
export const ClockConfigSchema = z.strictObject({
  /** Where the clock starts relative to true time, in ms (may be negative). Default 0. */
  offsetMs: z.number().default(0),
  /**
   * How fast the clock runs, in parts per million: +100 gains 0.1 ms per second, -100
   * loses it. Quartz is typically within ±50 ppm; at most ±{@link MAX_DRIFT_PPM}. Default 0.
   */
  driftPpm: z.number()
    .min(-MAX_DRIFT_PPM, { error: `must be between -${MAX_DRIFT_PPM} and ${MAX_DRIFT_PPM} ppm` })
    .max(MAX_DRIFT_PPM, { error: `must be between -${MAX_DRIFT_PPM} and ${MAX_DRIFT_PPM} ppm` })
    .default(0),
});

/** A node clock's settings: offset and drift rate. */
export type ClockConfig = z.output<typeof ClockConfigSchema>;

/** What a user may write for a {@link ClockConfig}. */
export type ClockConfigInput = z.input<typeof ClockConfigSchema>;

/**
 * A node's clock: `read(trueTime) = trueTime × (1 + drift) + offset + jumps`.
 *
 * @example
 * ```ts
 * const clock = new NodeClock({ offsetMs: 5, driftPpm: 1000 });
 * clock.read(1000); // 1006: 5 ms ahead at the start, gained 1 ms in a second
 * ```
 */
export class NodeClock {
  #offsetMs: number;
  readonly #rate: number;

  /** A clock with the given offset and drift. */
  constructor(config: ClockConfig) {
    this.#offsetMs = config.offsetMs;
    this.#rate = 1 + config.driftPpm / 1e6;
  }

  /** The clock's reading at true time `trueTimeMs`. */
  read(trueTimeMs: number): number {
    return trueTimeMs * this.#rate + this.#offsetMs;
  }

  /** How much true time passes while this clock advances by `localMs`. */
  trueDuration(localMs: number): number {
    return localMs / this.#rate;
  }

  /** Steps the clock by `deltaMs` (forward if positive, backward if negative). */
  jump(deltaMs: number): void {
    this.#offsetMs += deltaMs;
  }

  /** The error of this clock at true time `trueTimeMs`: its reading minus true time. */
  errorAt(trueTimeMs: number): number {
    return this.read(trueTimeMs) - trueTimeMs;
  }
}
