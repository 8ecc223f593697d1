/**
 * Exercises of chapter 11 (CRDTs) with their self-checks:
 *
 * 1. **Write the OR-Set merge** ({@link checkOrSetMerge}): join two OR-Set states. The
 *    check plugs the answer into an OR-Set (the reference add, remove and read) and runs
 *    random histories of three replicas updating and merging: after every step it checks
 *    the lattice laws on the states reached (commutative, associative, idempotent) and
 *    each replica's value against the observed-remove specification. The first failing
 *    history comes back shrunk to the fewest steps that still fail.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { canonicalJson } from "../crdt/crdt.ts";
import { checkOrSetHistory, type HistoryStep, randomHistory, runHistory } from "../crdt/history.ts";
import { mergeOrSet, orSet, type OrSetState, type SetOp } from "../crdt/sets.ts";
import { Random } from "../sim/random.ts";
import { ExerciseResult } from "./result.ts";

/** A reader's OR-Set merge. */
export type OrSetMerge = (a: OrSetState, b: OrSetState) => OrSetState;

/** The reference answer: union of the adds, union of the removed tags. */
export const referenceOrSetMerge: OrSetMerge = mergeOrSet;

/**
 * A tempting wrong answer: keep a tag removed only if both sides removed it. A remove
 * then undoes itself when merged with a replica that has not heard of it yet.
 */
export const wrongOrSetMerge: OrSetMerge = (a: OrSetState, b: OrSetState): OrSetState => ({
  adds: { ...a.adds, ...b.adds },
  removed: a.removed.filter((tag) => b.removed.includes(tag)),
  removedElements: [],
});

/** Options of {@link checkOrSetMerge}. */
export interface OrSetMergeCheckOptions {
  /** Random histories to try (seeds 1, 2, ...). Default 300. */
  readonly histories?: number;
}

const REPLICAS = 3;

/** What is wrong with `merge` on `steps`, or undefined. Exceptions count as wrong. */
function problem(merge: OrSetMerge, steps: readonly HistoryStep<SetOp>[]): string | undefined {
  const crdt = { ...orSet, merge };
  try {
    const run = runHistory(crdt, REPLICAS, steps);
    const same = (x: unknown, y: unknown) => canonicalJson(x) === canonicalJson(y);
    for (const a of run.seen) {
      if (!same(merge(a, a), a)) {
        return "merge(a, a) is not a: merging a state with itself changed it";
      }
      for (const b of run.seen) {
        if (!same(merge(a, b), merge(b, a))) return "merge(a, b) differs from merge(b, a)";
      }
    }
    const [a, b, c] = run.states as [OrSetState, OrSetState, OrSetState];
    if (!same(merge(merge(a, b), c), merge(a, merge(b, c)))) {
      return "merge(merge(a, b), c) differs from merge(a, merge(b, c))";
    }
    const violation = checkOrSetHistory(crdt, REPLICAS, steps);
    if (violation !== undefined) {
      return `after step ${violation.step + 1}, replica r${violation.replica} reads ` +
        `{${violation.actual.join(", ")}} but should read {${violation.expected.join(", ")}}`;
    }
    return undefined;
  } catch (error) {
    return `it threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Drops steps one at a time while the history still fails: a small counterexample. */
function shrink(merge: OrSetMerge, steps: HistoryStep<SetOp>[]): HistoryStep<SetOp>[] {
  let current = steps;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = current.length - 1; i >= 0; i--) {
      const shorter = [...current.slice(0, i), ...current.slice(i + 1)];
      if (problem(merge, shorter) !== undefined) {
        current = shorter;
        changed = true;
      }
    }
  }
  return current;
}

/** A step as a line a reader can follow. */
function describeStep(step: HistoryStep<SetOp>): string {
  return step.kind === "merge"
    ? `r${step.replica} merges r${step.from}'s state`
    : `r${step.replica} ${step.op.kind}s ${step.op.element}`;
}

/**
 * Checks a reader's OR-Set merge on random histories.
 *
 * @example
 * ```ts
 * checkOrSetMerge(referenceOrSetMerge); // ✓
 * checkOrSetMerge(wrongOrSetMerge);     // ✗ with a three-step counterexample
 * ```
 */
export function checkOrSetMerge(
  merge: OrSetMerge,
  options: OrSetMergeCheckOptions = {},
): ExerciseResult {
  const title = "Write the OR-Set merge";
  if (typeof merge !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (a, b) => state."],
    });
  }
  const histories = options.histories ?? 300;
  for (let seed = 1; seed <= histories; seed++) {
    let steps: HistoryStep<SetOp>[];
    try {
      steps = randomHistory({ ...orSet, merge }, new Random(seed), {
        replicas: REPLICAS,
        steps: 12,
      }) as HistoryStep<SetOp>[];
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`History ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    if (problem(merge, steps) === undefined) continue;
    const small = shrink(merge, steps);
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `History ${seed} of ${histories} fails; shrunk to ${small.length} step${
          small.length === 1 ? "" : "s"
        }: ` +
        small.map(describeStep).join("; ") + ".",
        `What goes wrong: ${problem(merge, small)}.`,
        "Hint: a tag, once added or removed anywhere, stays so; the join never forgets.",
      ],
      counterexample: small,
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${histories} random histories of ${REPLICAS} replicas: merge is commutative, ` +
      "associative and idempotent, and every replica reads what the OR-Set specification says.",
    ],
  });
}
