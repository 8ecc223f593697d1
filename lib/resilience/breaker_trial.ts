/**
 * A randomized trial of a circuit breaker, with its rules checked as it runs. Calls arrive
 * at random, overlap, and take random times; the dependency fails most calls during an
 * outage and none after it. The observer keeps its own count of probes (it does not trust
 * the breaker's) and checks, after every event:
 *
 * - **one probe**: in half-open, at most one call is out;
 * - **open means closed to calls**: no call is let through within `openMs` of opening;
 * - **legal moves**: closed → open → half-open → (closed | open), nothing else;
 * - **a failed probe reopens**: it never closes the breaker;
 *
 * and at the end, **recovery**: the dependency has been healthy for a while, calls kept
 * coming, so the breaker must be closed again.
 *
 * @module
 */
import { Random } from "../sim/random.ts";
import {
  type BreakerPermit,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptionsInput,
  type HalfOpenRule,
} from "./circuit_breaker.ts";

/** What a breaker trial found. */
export interface BreakerTrialResult {
  /** The seed. */
  readonly seed: number;
  /** The first rule broken, in words, or null. */
  readonly violation: string | null;
  /** Calls offered, let through, and refused. */
  readonly offered: number;
  /** Calls let through. */
  readonly allowed: number;
  /** Whether the breaker opened at least once (the trial tested something). */
  readonly opened: boolean;
  /** Most probes out at once in half-open. */
  readonly maxProbesOut: number;
}

/** Options of {@link breakerTrial}. */
export interface BreakerTrialOptions {
  /** The half-open rule to try (default: the breaker's own). */
  readonly rule?: HalfOpenRule;
  /** Breaker settings (default: drawn from the seed). */
  readonly breaker?: CircuitBreakerOptionsInput;
}

const LEGAL: Readonly<Record<BreakerState, readonly BreakerState[]>> = {
  closed: ["open"],
  open: ["half-open"],
  "half-open": ["closed", "open"],
};

/**
 * Runs one breaker trial for `seed` (everything drawn from it: settings, call times,
 * latencies, outage) and returns the first violation, if any.
 *
 * @example
 * ```ts
 * breakerTrial(1).violation; // null
 * breakerTrial(1, { breaker: { flaw: "many-probes" } }).violation; // "2 probes out at once ..."
 * ```
 */
export function breakerTrial(seed: number, options: BreakerTrialOptions = {}): BreakerTrialResult {
  const random = new Random(seed).child("breaker-trial");
  const settings: CircuitBreakerOptionsInput = {
    windowCalls: random.int(2, 21),
    failureRateThreshold: random.uniform(0.2, 1),
    openMs: random.uniform(50, 400),
    ...options.breaker,
  };
  const breaker = new CircuitBreaker(settings, options.rule);
  const openMs = breaker.options.openMs;
  const outageFromMs = random.uniform(200, 1000);
  const outageUntilMs = outageFromMs + random.uniform(500, 3000);
  const endMs = outageUntilMs + 6 * openMs + 500;
  const failDuring = random.uniform(0.7, 1);

  // Pending completions, kept sorted by time (a few dozen at most).
  const inFlight: { atMs: number; permit: BreakerPermit }[] = [];
  const probes = new Set<BreakerPermit>();
  let maxProbesOut = 0, offered = 0, allowed = 0;
  let openedAtMs = -Infinity;
  let checkedTransitions = 0;
  let violation: string | null = null;

  const checkAfterEvent = (nowMs: number): void => {
    const transitions = breaker.transitions;
    for (; checkedTransitions < transitions.length; checkedTransitions++) {
      const t = transitions[checkedTransitions]!;
      if (!LEGAL[t.from].includes(t.to)) {
        violation ??= `illegal move ${t.from} → ${t.to} at ${t.atMs.toFixed(1)} ms`;
      }
      if (t.to === "open") openedAtMs = t.atMs;
      if (t.from === "half-open") probes.clear(); // outstanding probes no longer count
    }
    if (probes.size > 1) {
      violation ??= `${probes.size} probes out at once in half-open at ${nowMs.toFixed(1)} ms`;
    }
  };

  let nextCallMs = random.uniform(1, 20);
  for (;;) {
    const completion = inFlight[0];
    const nowMs = Math.min(nextCallMs, completion?.atMs ?? Infinity);
    if (nowMs > endMs || violation !== null) break;
    if (completion !== undefined && completion.atMs === nowMs) {
      inFlight.shift();
      const failing = nowMs >= outageFromMs && nowMs < outageUntilMs;
      const ok = !(failing && random.chance(failDuring));
      const probeOfThisRound = probes.delete(completion.permit);
      if (ok) breaker.onSuccess(completion.permit, nowMs);
      else breaker.onFailure(completion.permit, nowMs);
      if (!ok && probeOfThisRound && breaker.state === "closed") {
        violation ??= `a failed probe closed the breaker at ${nowMs.toFixed(1)} ms`;
      }
    } else {
      offered++;
      const before = breaker.state;
      const permit = breaker.allow(nowMs);
      if (permit !== null) {
        allowed++;
        if (before === "open" && nowMs < openedAtMs + openMs) {
          violation ??= `a call let through ${
            (nowMs - openedAtMs).toFixed(1)
          } ms after opening (openMs ${openMs.toFixed(1)})`;
        }
        if (breaker.state === "half-open") {
          probes.add(permit);
          maxProbesOut = Math.max(maxProbesOut, probes.size);
        }
        const atMs = nowMs + random.uniform(1, 40);
        const index = inFlight.findIndex((c) => c.atMs > atMs);
        inFlight.splice(index === -1 ? inFlight.length : index, 0, { atMs, permit });
      }
      nextCallMs = nowMs + random.uniform(1, 20);
    }
    checkAfterEvent(nowMs);
  }
  const opened = breaker.transitions.some((t) => t.to === "open");
  if (violation === null && breaker.state !== "closed") {
    violation = `still ${breaker.state} at ${endMs.toFixed(0)} ms, ${
      (endMs - outageUntilMs).toFixed(0)
    } ms after the dependency recovered (openMs ${openMs.toFixed(0)})`;
  }
  return { seed, violation, offered, allowed, opened, maxProbesOut };
}
