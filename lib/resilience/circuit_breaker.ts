/**
 * A circuit breaker: a client-side switch that stops calling a dependency that keeps
 * failing, so the dependency gets room to recover and callers fail fast instead of
 * waiting for timeouts (Nygard, "Release It!", 2007).
 *
 * - **closed**: calls go through; the outcomes of the last `windowCalls` calls are kept,
 *   and when the window is full and at least `failureRateThreshold` of it failed, the
 *   breaker opens.
 * - **open**: calls fail at once, without reaching the dependency, for `openMs`.
 * - **half-open**: exactly one call, the probe, goes through; every other call fails
 *   fast while it is out. The probe's success closes the breaker (with a fresh window);
 *   its failure opens it for another `openMs`.
 *
 * Time is passed in (`nowMs`), never read from a clock.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, parseConfig, positiveMs } from "../config/mod.ts";

/** The breaker's states. */
export type BreakerState = "closed" | "open" | "half-open";

/**
 * Deliberately broken breakers, for showing that the tests catch them: `never-closes`
 * treats the probe's success as a failure (the breaker stays shut after the dependency
 * recovers); `many-probes` lets every call through in half-open (a recovering dependency
 * gets the full load at once).
 */
export type BreakerFlaw = "none" | "never-closes" | "many-probes";

/**
 * What a breaker does in half-open: which calls it lets through, and where the probe's
 * outcome takes it. The correct rule is {@link STANDARD_HALF_OPEN_RULE}.
 */
export interface HalfOpenRule {
  /** Whether a call may go through while `probesOut` probes are out and unanswered. */
  allow(probesOut: number): boolean;
  /** The state a probe's outcome leads to. */
  afterProbe(succeeded: boolean): "closed" | "open";
}

/** The half-open rule: exactly one probe at a time; its success closes, its failure opens. */
export const STANDARD_HALF_OPEN_RULE: HalfOpenRule = {
  allow: (probesOut) => probesOut === 0,
  afterProbe: (succeeded) => (succeeded ? "closed" : "open"),
};

/** The half-open rules of the deliberate {@link BreakerFlaw}s. */
export const FLAWED_HALF_OPEN_RULES: Readonly<Record<BreakerFlaw, HalfOpenRule>> = {
  none: STANDARD_HALF_OPEN_RULE,
  "never-closes": { allow: (probesOut) => probesOut === 0, afterProbe: () => "open" },
  "many-probes": {
    allow: () => true,
    afterProbe: (succeeded) => (succeeded ? "closed" : "open"),
  },
};

/** Zod schema of {@link CircuitBreakerOptions}. */
export const CircuitBreakerOptionsSchema = z.strictObject({
  /** Calls whose outcomes the closed breaker judges by. Default 20. */
  windowCalls: integerAtLeast(1).default(20),
  /** Fraction of failures in a full window that opens the breaker. Default 0.5. */
  failureRateThreshold: z.number().gt(0, { error: "must be greater than 0 and at most 1" })
    .max(1, { error: "must be greater than 0 and at most 1" }).default(0.5),
  /** How long the breaker stays open before it lets a probe through, in ms. Default 1000. */
  openMs: positiveMs().default(1000),
  /** A deliberate bug, for tests (see {@link BreakerFlaw}). Default "none". */
  flaw: z.enum(["none", "never-closes", "many-probes"]).default("none"),
});

/** Settings of a {@link CircuitBreaker}, with defaults applied. */
export type CircuitBreakerOptions = z.output<typeof CircuitBreakerOptionsSchema>;

/** What a user may write for {@link CircuitBreakerOptions}. */
export type CircuitBreakerOptionsInput = z.input<typeof CircuitBreakerOptionsSchema>;

/** One change of state, for drawing the breaker over time. */
export interface BreakerTransition {
  /** When, in ms. */
  readonly atMs: number;
  /** The state before. */
  readonly from: BreakerState;
  /** The state after. */
  readonly to: BreakerState;
}

/**
 * Permission for one call, from {@link CircuitBreaker.allow}: report its outcome with
 * {@link CircuitBreaker.onSuccess} or {@link CircuitBreaker.onFailure}. It remembers
 * which state it was granted in, so a slow call let through while the breaker was closed
 * cannot pass for the half-open probe when it finally returns.
 */
export interface BreakerPermit {
  /** The breaker's epoch (its count of state changes) when the call was allowed. */
  readonly epoch: number;
  /** Whether this call is the half-open probe. */
  readonly probe: boolean;
}

/**
 * The circuit breaker. Ask {@link CircuitBreaker.allow} before each call; if it gives a
 * permit, report the call's outcome with it ({@link CircuitBreaker.onSuccess} or
 * {@link CircuitBreaker.onFailure}; a timeout is a failure).
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ windowCalls: 4, openMs: 100 });
 * for (let t = 0; t < 4; t++) breaker.onFailure(breaker.allow(t)!, t);
 * breaker.state;                  // "open"
 * breaker.allow(50);              // null: fail fast
 * const probe = breaker.allow(103)!; // the probe (now half-open)
 * breaker.allow(104);             // null: one probe at a time
 * breaker.onSuccess(probe, 110);  // closed again
 * ```
 */
export class CircuitBreaker {
  /** The settings in use. */
  readonly options: CircuitBreakerOptions;
  #state: BreakerState = "closed";
  #epoch = 0;
  #openedAtMs = 0;
  #probesOut = 0;
  /** Outcomes of the closed window, as a ring: 1 for a failure. */
  readonly #window: Uint8Array;
  #windowNext = 0;
  #windowFilled = 0;
  #windowFailures = 0;
  readonly #transitions: BreakerTransition[] = [];
  #rejected = 0;

  readonly #rule: HalfOpenRule;

  /**
   * A closed breaker; a bad option throws a ConfigError naming it. `rule` replaces the
   * half-open rule (for exercises and broken variants); by default it follows `flaw`.
   */
  constructor(options: CircuitBreakerOptionsInput = {}, rule?: HalfOpenRule) {
    this.options = parseConfig(CircuitBreakerOptionsSchema, options, "breaker");
    this.#window = new Uint8Array(this.options.windowCalls);
    this.#rule = rule ?? FLAWED_HALF_OPEN_RULES[this.options.flaw];
  }

  /** The state now (an open breaker turns half-open only when a call asks). */
  get state(): BreakerState {
    return this.#state;
  }

  /** Every change of state so far, in order. */
  get transitions(): readonly BreakerTransition[] {
    return this.#transitions;
  }

  /** Calls refused (failed fast) so far. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Half-open probes out now, not yet reported (at most one, unless broken). */
  get probesOut(): number {
    return this.#probesOut;
  }

  /** A permit for a call at `nowMs`, or null when the call must fail fast (counted). */
  allow(nowMs: number): BreakerPermit | null {
    if (this.#state === "open" && nowMs >= this.#openedAtMs + this.options.openMs) {
      this.#become("half-open", nowMs);
    }
    if (this.#state === "closed") return { epoch: this.#epoch, probe: false };
    if (this.#state === "half-open" && this.#rule.allow(this.#probesOut)) {
      this.#probesOut++;
      return { epoch: this.#epoch, probe: true };
    }
    this.#rejected++;
    return null;
  }

  /** Reports that the call of `permit` succeeded at `nowMs`. */
  onSuccess(permit: BreakerPermit, nowMs: number): void {
    if (permit.epoch !== this.#epoch) return; // granted in an earlier state: no evidence now
    if (permit.probe) return this.#afterProbe(true, nowMs);
    this.#record(0, nowMs);
  }

  /** Reports that the call of `permit` failed (or timed out) at `nowMs`. */
  onFailure(permit: BreakerPermit, nowMs: number): void {
    if (permit.epoch !== this.#epoch) return;
    if (permit.probe) return this.#afterProbe(false, nowMs);
    this.#record(1, nowMs);
  }

  #afterProbe(succeeded: boolean, nowMs: number): void {
    this.#probesOut--;
    if (this.#rule.afterProbe(succeeded) === "open") return this.#open(nowMs);
    this.#resetWindow();
    this.#become("closed", nowMs);
  }

  #record(failed: 0 | 1, nowMs: number): void {
    const size = this.#window.length;
    if (this.#windowFilled === size) {
      this.#windowFailures -= this.#window[this.#windowNext] as number;
    } else {
      this.#windowFilled++;
    }
    this.#window[this.#windowNext] = failed;
    this.#windowFailures += failed;
    this.#windowNext = (this.#windowNext + 1) % size;
    if (
      this.#windowFilled === size &&
      this.#windowFailures >= this.options.failureRateThreshold * size
    ) {
      this.#open(nowMs);
    }
  }

  #open(nowMs: number): void {
    this.#openedAtMs = nowMs;
    this.#become("open", nowMs);
  }

  #resetWindow(): void {
    this.#window.fill(0);
    this.#windowNext = 0;
    this.#windowFilled = 0;
    this.#windowFailures = 0;
  }

  /**
   * The one place the state changes: a new epoch (outstanding permits stop counting),
   * no probe out, and the change recorded for the timeline.
   */
  #become(to: BreakerState, nowMs: number): void {
    this.#transitions.push({ atMs: nowMs, from: this.#state, to });
    this.#state = to;
    this.#epoch++;
    this.#probesOut = 0;
  }
}
