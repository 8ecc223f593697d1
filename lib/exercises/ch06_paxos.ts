/**
 * Exercises of chapter 06 (Paxos) with their self-checks:
 *
 * 1. **The acceptor's promise** ({@link checkPromiseRule}): write what an acceptor does
 *    with `Prepare(n)` (phase 1b). The check first tries a few cases by hand, then plugs
 *    the answer into every acceptor and runs the single-decree fault sweep, with both
 *    safety properties checked after every event; the first violation comes back with its
 *    seed and the line that replays it.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import {
  type AcceptorState,
  type PromiseAnswer,
  type PromiseRule,
  promiseRule,
} from "../consensus/paxos.ts";
import { PAXOS_FAULT_PROFILES, paxosFaultSweep } from "../consensus/paxos_trial.ts";
import { describeFailure } from "../testing/mod.ts";
import type { Row } from "../experiments/experiment.ts";
import { ExerciseResult } from "./result.ts";

/** The reference answer: phase 1b as the acceptors use it by default. */
export const referencePromiseRule: PromiseRule = promiseRule;

/**
 * A tempting wrong answer: promise, but keep the old state, as if the promise were a
 * courtesy. Two proposers then both get promises from the same acceptors, and both get
 * their values accepted.
 */
export const wrongPromiseRule: PromiseRule = <V>(
  state: AcceptorState<V>,
  ballot: number,
): PromiseAnswer<V> =>
  ballot < state.promised
    ? { promise: false, state, accepted: null }
    : { promise: true, state, accepted: state.accepted };

/** Options of {@link checkPromiseRule}. */
export interface PromiseRuleCheckOptions {
  /** Seeds per fault profile (from seed 1). Default 200. */
  readonly seeds?: number;
}

interface PromiseCase {
  readonly state: AcceptorState<string>;
  readonly ballot: number;
  readonly why: string;
}

const CASES: readonly PromiseCase[] = [
  { state: { promised: 0, accepted: null }, ballot: 105, why: "a fresh acceptor promises" },
  { state: { promised: 302, accepted: null }, ballot: 201, why: "a lower ballot is refused" },
  {
    state: { promised: 201, accepted: { ballot: 201, value: "x" } },
    ballot: 300,
    why: "a higher ballot gets a promise and the accepted proposal",
  },
];

/**
 * Checks an answer to "write the acceptor's promise handler": a function
 * `(state, ballot) => { promise, state, accepted }`. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkPromiseRule((state, ballot) => ballot >= state.promised
 *   ? { promise: true, state: { ...state, promised: ballot }, accepted: state.accepted }
 *   : { promise: false, state, accepted: null }); // ✓
 * ```
 */
export function checkPromiseRule(
  rule: PromiseRule,
  options: PromiseRuleCheckOptions = {},
): ExerciseResult {
  const title = "The acceptor's promise (phase 1b)";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`Expected a function (state, ballot) => answer, got ${typeof rule}.`],
    });
  }
  const rows: Row[] = [];
  const details: string[] = [];
  for (const c of CASES) {
    const expected = referencePromiseRule(c.state, c.ballot);
    let answer: unknown;
    try {
      answer = rule(c.state, c.ballot);
    } catch (error) {
      answer = `threw ${error instanceof Error ? error.message : String(error)}`;
    }
    const agrees = JSON.stringify(answer) === JSON.stringify(expected);
    rows.push({
      case: c.why,
      expected: JSON.stringify(expected),
      yours: JSON.stringify(answer) ?? "undefined",
      agrees,
    });
    if (!agrees) {
      details.push(
        `${c.why}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(answer)}.`,
      );
    }
  }
  const seeds = options.seeds ?? 200;
  for (const [name, profile] of Object.entries(PAXOS_FAULT_PROFILES)) {
    let failure;
    try {
      failure = paxosFaultSweep({ seeds, params: profile, promiseRule: rule }).failures[0];
    } catch (error) {
      details.push(
        `The ${name} sweep stopped: ${error instanceof Error ? error.message : String(error)}`,
      );
      break;
    }
    if (failure !== undefined) {
      details.push(`The ${name} sweep broke a property: ${describeFailure(failure)}`);
    } else {
      details.push(
        `${seeds} seeds of the ${name} fault sweep: one value chosen, never changed, every proposer learned it.`,
      );
    }
  }
  const passed = !details.some((line) =>
    line.includes("expected") || line.includes("sweep broke") || line.includes("stopped")
  );
  return new ExerciseResult({ passed, title, details, rows });
}
