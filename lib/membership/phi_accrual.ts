/**
 * The phi accrual failure detector (Hayashibara, Défago, Yared and Katayama, SRDS 2004)
 * and the arrival traces it is measured on.
 *
 * Instead of a yes/no verdict, the detector outputs a suspicion level
 * `phi(t) = -log10(P_later(t))`, where `t` is the time since the last heartbeat arrived and
 * `P_later(t)` is the probability that the next heartbeat arrives more than `t` after the
 * previous one, estimated from a sliding window of recent inter-arrival times. An
 * application suspects when phi crosses its own threshold `Φ`: with `Φ = 1` it accepts
 * being wrong about 10% of the time it suspects, with `Φ = 8` about once in 10^8.
 *
 * Two estimates of `P_later` are offered:
 * - `"normal"` (the paper's): inter-arrival times are normal with the window's mean and
 *   standard deviation, so `P_later(t) = 1 - F(t) = erfc((t - μ) / (σ√2)) / 2`;
 * - `"exponential"` (Cassandra's simplification): exponential with the window's mean, so
 *   `phi(t) = t / (μ ln 10)`, which ignores the variance.
 *
 * Because phi grows monotonically with `t`, "phi crosses Φ" is the same as "silence exceeds
 * a timeout `t*(Φ)`" whose length the window sets: an adaptive timeout. {@link evaluateDetector}
 * uses that to score a whole trace in one pass.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs } from "../config/mod.ts";
import { parseConfig } from "../config/validate.ts";
import { Random } from "../sim/random.ts";

/** How {@link PhiAccrualDetector} models inter-arrival times. */
export type PhiDistribution = "normal" | "exponential";

/** Zod schema of {@link PhiAccrualOptions}. */
export const PhiAccrualOptionsSchema = z.strictObject({
  /** Inter-arrival times kept, the most recent. Default 200. */
  windowSize: integerAtLeast(2).default(200),
  /** Floor on the window's standard deviation, in ms, so a too-regular link is not trusted blindly. Default 1. */
  minStdDevMs: nonNegativeMs().default(1),
  /** The model of inter-arrival times. Default "normal" (the paper's). */
  distribution: z.enum(["normal", "exponential"]).default("normal"),
});

/** Settings of a {@link PhiAccrualDetector}, with defaults applied. */
export type PhiAccrualOptions = z.output<typeof PhiAccrualOptionsSchema>;

/** What a user may write for {@link PhiAccrualOptions}. */
export type PhiAccrualOptionsInput = z.input<typeof PhiAccrualOptionsSchema>;

/**
 * `log10` of the normal upper tail `Q(z) = P(Z > z)`, accurate to about 1e-7 relative and
 * finite far into the tail (where `Q(z)` itself underflows), using the rational Chebyshev
 * form of `erfc` whose exponent can be kept in log space.
 */
export function log10NormalTail(z: number): number {
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly = -ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
                                t * (-0.82215223 + t * 0.17087277))))))));
  // ln erfc(|x|) = ln t + poly; for x < 0, erfc(x) = 2 - erfc(|x|).
  const lnErfcAbs = Math.log(t) + poly;
  const lnErfc = x >= 0 ? lnErfcAbs : Math.log(2 - Math.exp(lnErfcAbs));
  return (lnErfc - Math.LN2) / Math.LN10;
}

/**
 * The `z` with `-log10 Q(z) = phi`: how many standard deviations past the mean the silence
 * must run before a normal-model detector reaches `phi`. Found by bisection (phi is
 * increasing in z).
 */
export function normalQuantileForPhi(phi: number): number {
  if (!(phi > 0 && Number.isFinite(phi))) {
    throw new RangeError(`Cannot invert phi: it must be a positive number, got ${phi}`);
  }
  let low = -10, high = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (-log10NormalTail(mid) < phi) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * A phi accrual failure detector for one monitored process. Feed it heartbeat arrival
 * times with {@link PhiAccrualDetector.heartbeat}; ask {@link PhiAccrualDetector.phi} at
 * any time.
 *
 * @example
 * ```ts
 * const detector = new PhiAccrualDetector({ windowSize: 100 });
 * for (let t = 0; t <= 10_000; t += 100) detector.heartbeat(t);
 * detector.phi(10_100); // small: a heartbeat is due just now
 * detector.phi(11_000); // huge: 9 intervals late
 * ```
 */
export class PhiAccrualDetector {
  readonly #options: PhiAccrualOptions;
  readonly #window: number[] = [];
  #next = 0;
  #sum = 0;
  #sumSquares = 0;
  #lastMs: number | undefined;

  /** A detector with an empty window; a bad option throws a ConfigError naming it. */
  constructor(options: PhiAccrualOptionsInput = {}) {
    this.#options = parseConfig(PhiAccrualOptionsSchema, options, "detector");
  }

  /** When the last heartbeat arrived, in ms (undefined before the first). */
  get lastHeartbeatMs(): number | undefined {
    return this.#lastMs;
  }

  /** How many inter-arrival times the window holds. */
  get samples(): number {
    return this.#window.length;
  }

  /** Mean of the window's inter-arrival times, in ms (NaN when empty). */
  get meanMs(): number {
    return this.#sum / this.#window.length;
  }

  /** Standard deviation of the window's inter-arrival times, floored at `minStdDevMs`. */
  get stdDevMs(): number {
    const n = this.#window.length;
    const mean = this.#sum / n;
    const variance = Math.max(0, this.#sumSquares / n - mean * mean);
    return Math.max(this.#options.minStdDevMs, Math.sqrt(variance));
  }

  /** A heartbeat arrived at `nowMs` (non-decreasing). */
  heartbeat(nowMs: number): void {
    if (this.#lastMs !== undefined) {
      if (nowMs < this.#lastMs) {
        throw new RangeError(
          `Cannot record a heartbeat at ${nowMs} ms: the last one arrived later, at ${this.#lastMs} ms`,
        );
      }
      this.#add(nowMs - this.#lastMs);
    }
    this.#lastMs = nowMs;
  }

  /**
   * The suspicion level at `nowMs`: `-log10` of the probability that a heartbeat comes
   * this late or later. 0 before two heartbeats have arrived (nothing to estimate from).
   */
  phi(nowMs: number): number {
    if (this.#lastMs === undefined || this.#window.length === 0) return 0;
    const sinceMs = Math.max(0, nowMs - this.#lastMs);
    if (this.#options.distribution === "exponential") {
      return sinceMs / (this.meanMs * Math.LN10);
    }
    return -log10NormalTail((sinceMs - this.meanMs) / this.stdDevMs);
  }

  /** The silence after the last heartbeat at which phi reaches `threshold`, in ms. */
  timeoutForPhi(threshold: number): number {
    if (this.#window.length === 0) return Infinity;
    if (this.#options.distribution === "exponential") {
      return threshold * this.meanMs * Math.LN10;
    }
    return this.meanMs + this.stdDevMs * normalQuantileForPhi(threshold);
  }

  #add(intervalMs: number): void {
    const size = this.#options.windowSize;
    if (this.#window.length < size) {
      this.#window.push(intervalMs);
    } else {
      const old = this.#window[this.#next] as number;
      this.#sum -= old;
      this.#sumSquares -= old * old;
      this.#window[this.#next] = intervalMs;
      this.#next = (this.#next + 1) % size;
    }
    this.#sum += intervalMs;
    this.#sumSquares += intervalMs * intervalMs;
  }
}

// ---- Arrival traces ---------------------------------------------------------------------

/** Zod schema of {@link ArrivalTraceOptions}. */
export const ArrivalTraceOptionsSchema = z.strictObject({
  /** Time between heartbeats on the sender, in ms. Default 100. */
  intervalMs: positiveMs().default(100),
  /** One-way delay before the shift: a floor plus normal jitter, in ms. Default 20. */
  baseLatencyMs: nonNegativeMs().default(20),
  /** Standard deviation of the delay's jitter before the shift, in ms. Default 5. */
  jitterMs: nonNegativeMs().default(5),
  /** When the path changes (a reroute, a congested link), in ms; null for never. Default 150 s. */
  shiftAtMs: nonNegativeMs().nullable().default(150_000),
  /** How long the shifted path lasts, in ms. Default 150 s. */
  shiftForMs: nonNegativeMs().default(150_000),
  /** One-way delay floor on the shifted path, in ms. Default 80. */
  shiftedLatencyMs: nonNegativeMs().default(80),
  /** Jitter on the shifted path, in ms. Default 40. */
  shiftedJitterMs: nonNegativeMs().default(40),
  /** When the sender freezes (a stop-the-world GC pause), in ms; null for never. Default 200 s. */
  pauseAtMs: nonNegativeMs().nullable().default(200_000),
  /** How long it stays frozen, in ms. Default 1,500. */
  pauseForMs: nonNegativeMs().default(1_500),
  /** When the sender crashes, in ms (no heartbeat is sent from then on). Default 420 s. */
  crashAtMs: positiveMs().default(420_000),
});

/** Settings of an arrival trace, with defaults applied. */
export type ArrivalTraceOptions = z.output<typeof ArrivalTraceOptionsSchema>;

/** What a user may write for {@link ArrivalTraceOptions}. */
export type ArrivalTraceOptionsInput = z.input<typeof ArrivalTraceOptionsSchema>;

/** Heartbeat arrivals at a monitor, with the truth about the sender. */
export interface ArrivalTrace {
  /** The settings it was drawn with. */
  readonly options: ArrivalTraceOptions;
  /** Arrival times in ms, increasing. */
  readonly arrivalsMs: readonly number[];
  /** When the sender crashed, in ms. */
  readonly crashAtMs: number;
}

/**
 * Draws heartbeat arrivals: the sender beats every `intervalMs` (except while paused, and
 * never after its crash); each beat's delay is a floor plus normal jitter clipped at zero,
 * from the path in force when it is sent. Arrivals are sorted (a
 * later beat may overtake an earlier one; the monitor only sees arrival times).
 *
 * @example
 * ```ts
 * const trace = arrivalTrace({ crashAtMs: 60_000, shiftAtMs: null, pauseAtMs: null }, 1);
 * trace.arrivalsMs.length; // about 600
 * ```
 */
export function arrivalTrace(options: ArrivalTraceOptionsInput, seed: number): ArrivalTrace {
  const o = parseConfig(ArrivalTraceOptionsSchema, options, "trace");
  const random = new Random(seed, "arrival-trace");
  const arrivals: number[] = [];
  const pauseStart = o.pauseAtMs ?? Infinity;
  const pauseEnd = pauseStart + o.pauseForMs;
  const shiftStart = o.shiftAtMs ?? Infinity;
  const shiftEnd = shiftStart + o.shiftForMs;
  let sendMs = 0;
  while (sendMs < o.crashAtMs) {
    if (sendMs >= pauseStart && sendMs < pauseEnd) {
      // Frozen: the beat due now goes out when the pause ends.
      sendMs = pauseEnd;
      continue;
    }
    const shifted = sendMs >= shiftStart && sendMs < shiftEnd;
    const floor = shifted ? o.shiftedLatencyMs : o.baseLatencyMs;
    const jitter = shifted ? o.shiftedJitterMs : o.jitterMs;
    arrivals.push(sendMs + Math.max(0, floor + random.normal(0, jitter)));
    sendMs += o.intervalMs;
  }
  arrivals.sort((a, b) => a - b);
  return { options: o, arrivalsMs: arrivals, crashAtMs: o.crashAtMs };
}

/** A detector to score on a trace: a fixed timeout or a phi threshold. */
export type DetectorSpec =
  | { readonly kind: "fixed"; readonly timeoutMs: number }
  | {
    readonly kind: "phi";
    readonly threshold: number;
    readonly options?: PhiAccrualOptionsInput;
  };

/** How a detector did on one trace. */
export interface DetectorScore {
  /** "fixed" or "phi". */
  readonly detector: "fixed" | "phi";
  /** The timeout (ms) or the phi threshold. */
  readonly threshold: number;
  /** Times the live sender was suspected (a gap between arrivals ran past the timeout). */
  readonly falsePositives: number;
  /** Total time the live sender spent suspected, in ms. */
  readonly mistakeMs: number;
  /** From the crash to the suspicion that lasts, in ms. */
  readonly detectionMs: number;
}

/**
 * Scores a detector on a trace: every gap between consecutive arrivals that outlasts the
 * detector's timeout at that moment (fixed, or `t*(Φ)` from the window so far) is a false
 * positive; after the last arrival, the time from the crash until the timeout runs out is
 * the detection time. The phi detector's window starts empty, so the first gap is never
 * suspected (it has nothing to estimate from).
 *
 * @example
 * ```ts
 * const trace = arrivalTrace({}, 1);
 * evaluateDetector(trace, { kind: "phi", threshold: 8 });
 * evaluateDetector(trace, { kind: "fixed", timeoutMs: 400 });
 * ```
 */
export function evaluateDetector(trace: ArrivalTrace, spec: DetectorSpec): DetectorScore {
  const arrivals = trace.arrivalsMs;
  let falsePositives = 0;
  let mistakeMs = 0;
  const detector = spec.kind === "phi" ? new PhiAccrualDetector(spec.options) : undefined;
  const quantile = spec.kind === "phi" && (spec.options?.distribution ?? "normal") === "normal"
    ? normalQuantileForPhi(spec.threshold)
    : 0;
  const timeoutNow = (): number => {
    if (spec.kind === "fixed") return spec.timeoutMs;
    const d = detector as PhiAccrualDetector;
    if (d.samples === 0) return Infinity;
    return (spec.options?.distribution ?? "normal") === "normal"
      ? d.meanMs + d.stdDevMs * quantile
      : d.timeoutForPhi(spec.threshold);
  };
  for (let i = 0; i < arrivals.length; i++) {
    const at = arrivals[i] as number;
    if (i > 0) {
      const gap = at - (arrivals[i - 1] as number);
      const timeout = timeoutNow();
      if (gap > timeout) {
        falsePositives++;
        mistakeMs += gap - timeout;
      }
    }
    detector?.heartbeat(at);
  }
  const last = arrivals.at(-1) ?? 0;
  const detectionMs = Math.max(0, last + timeoutNow() - trace.crashAtMs);
  return {
    detector: spec.kind,
    threshold: spec.kind === "fixed" ? spec.timeoutMs : spec.threshold,
    falsePositives,
    mistakeMs,
    detectionMs,
  };
}
