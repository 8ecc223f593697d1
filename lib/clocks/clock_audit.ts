/**
 * Checks a clock against the truth: for every pair of events of a run, does the order of
 * their timestamps agree with happened-before? Lamport's clock condition asks only that
 * a → b imply stamp(a) < stamp(b); a vector clock promises the converse too.
 *
 * @module
 */
import type { CausalOrder, StampOrder } from "./causal_clock.ts";
import type { CausalEvent, HappenedBefore } from "./happened_before.ts";

/** A pair of events on which a clock and the truth disagree. */
export interface AuditPair<S = unknown> {
  /** The earlier event in trace order. */
  readonly a: CausalEvent;
  /** The later event in trace order. */
  readonly b: CausalEvent;
  /** How the truth relates a to b ("before" or "concurrent"). */
  readonly truth: CausalOrder;
  /** How the clock's timestamps relate a to b. */
  readonly clock: CausalOrder;
  /** a's timestamp. */
  readonly stampA: S;
  /** b's timestamp. */
  readonly stampB: S;
}

/** What {@link auditClock} found, counted over unordered pairs of distinct events. */
export interface ClockAudit<S = unknown> {
  /** Events. */
  readonly events: number;
  /** Pairs of distinct events. */
  readonly pairs: number;
  /** Pairs where one event happened before the other. */
  readonly causalPairs: number;
  /** Pairs where neither did. */
  readonly concurrentPairs: number;
  /** Pairs the clock orders (its timestamps compare "before" or "after"). */
  readonly clockOrderedPairs: number;
  /**
   * Pairs with a → b whose timestamps do not say "before": breaches of Lamport's clock
   * condition. Zero for a correct Lamport, vector or hybrid logical clock.
   */
  readonly violations: number;
  /** Concurrent pairs the clock orders anyway: the order it invents. */
  readonly falselyOrdered: number;
  /** Pairs whose timestamp comparison differs in any way from the truth. */
  readonly mismatches: number;
  /** The first breach of the clock condition, in trace order. */
  readonly firstViolation: AuditPair<S> | undefined;
  /** The first pair the clock gets wrong in any way, in trace order. */
  readonly firstMismatch: AuditPair<S> | undefined;
}

/**
 * Compares a clock's timestamps with happened-before on every pair of events.
 * `stamps[i]` is the timestamp of `truth.events[i]`; `compare` is the clock's order
 * ({@link compareNumbers} for Lamport, {@link compareVectors}, {@link compareHlc}).
 *
 * @example
 * ```ts
 * import { compareNumbers } from "./causal_clock.ts";
 * import { randomCausalScript, runCausalScript } from "./causal_trace.ts";
 * import { LamportClock } from "./lamport_clock.ts";
 *
 * const script = randomCausalScript(7, { nodes: 4, actions: 40 });
 * const run = runCausalScript(script, { lamport: () => new LamportClock() });
 * const audit = auditClock(run.truth, run.stamps.lamport, compareNumbers);
 * audit.violations;                                  // 0: a → b implies L(a) < L(b)
 * audit.falselyOrdered / audit.clockOrderedPairs;    // ordered by Lamport, yet concurrent
 * ```
 */
export function auditClock<S>(
  truth: HappenedBefore,
  stamps: readonly S[],
  compare: StampOrder<S>,
): ClockAudit<S> {
  const events = truth.events;
  if (stamps.length !== events.length) {
    throw new RangeError(
      `Cannot audit a clock: ${stamps.length} timestamps for ${events.length} events`,
    );
  }
  let causalPairs = 0, clockOrderedPairs = 0, violations = 0, falselyOrdered = 0, mismatches = 0;
  let firstViolation: AuditPair<S> | undefined;
  let firstMismatch: AuditPair<S> | undefined;
  for (let j = 1; j < events.length; j++) {
    const b = events[j] as CausalEvent;
    const stampB = stamps[j] as S;
    for (let i = 0; i < j; i++) {
      const a = events[i] as CausalEvent;
      const stampA = stamps[i] as S;
      // Trace order lists causes first, so the truth is "before" or "concurrent" here.
      const causal = truth.before(a, b);
      const clock = compare(stampA, stampB);
      if (clock === "before" || clock === "after") clockOrderedPairs++;
      const expected: CausalOrder = causal ? "before" : "concurrent";
      if (causal) {
        causalPairs++;
        if (clock !== "before") {
          violations++;
          firstViolation ??= { a, b, truth: expected, clock, stampA, stampB };
        }
      } else if (clock === "before" || clock === "after") {
        falselyOrdered++;
      }
      if (clock !== expected) {
        mismatches++;
        firstMismatch ??= { a, b, truth: expected, clock, stampA, stampB };
      }
    }
  }
  const pairs = events.length * (events.length - 1) / 2;
  return {
    events: events.length,
    pairs,
    causalPairs,
    concurrentPairs: pairs - causalPairs,
    clockOrderedPairs,
    violations,
    falselyOrdered,
    mismatches,
    firstViolation,
    firstMismatch,
  };
}
