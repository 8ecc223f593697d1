/**
 * Exercises of chapter 09 (consistency models) with their self-checks:
 *
 * 1. **Causal but not sequential** ({@link checkCausalNotSequential}): write a history
 *    that causal memory allows and sequential consistency does not.
 * 2. **Every session guarantee, yet not causal** ({@link checkSessionsNotCausal}): write a
 *    history that keeps all four session guarantees and still breaks causal memory.
 *
 * Both are instances of {@link checkSeparation}, which accepts any pair of models. A
 * check returns an {@link ExerciseResult} (a ✓ or ✗ box with the history drawn under it)
 * and never throws for a wrong answer.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import { historyBars } from "../check/history_bars.ts";
import {
  checkConsistency,
  CONSISTENCY_MODELS,
  type ConsistencyModel,
} from "../check/consistency.ts";
import { SESSION_GUARANTEES } from "../check/session_guarantees.ts";
import { ModelError } from "../check/search.ts";
import { type History, HistoryError, parseHistory } from "../history/operation.ts";
import type { Figure } from "../viz/figure.ts";
import { ExerciseResult } from "./result.ts";

/**
 * Checks a history meant to separate two models: every model in `holds` must accept it
 * and `breaks` must reject it, by the course's checkers (`checkConsistency`). The
 * history must be well formed, of reads and writes, each value written once per key (so
 * which write a read saw is never in doubt). The result shows the history as bars and,
 * when `breaks` rejects it, the smallest part of it that shows why.
 *
 * @example
 * ```ts
 * // A stale read: p1 reads nothing after p0's write of 1 has completed.
 * const staleRead = [
 *   { process: 0, type: "invoke", f: "write", key: "x", value: 1 },
 *   { process: 0, type: "ok", f: "write", key: "x", value: 1 },
 *   { process: 1, type: "invoke", f: "read", key: "x", value: null },
 *   { process: 1, type: "ok", f: "read", key: "x", value: null },
 * ];
 * checkSeparation(staleRead, { holds: ["sequential"], breaks: "linearizable" }).passed; // true
 * ```
 */
export function checkSeparation(
  history: unknown,
  options: {
    readonly holds: readonly ConsistencyModel[];
    readonly breaks: ConsistencyModel;
    readonly title?: string;
  },
): ExerciseResult {
  const { holds, breaks } = options;
  for (const model of [...holds, breaks]) {
    if (!CONSISTENCY_MODELS.includes(model)) {
      throw new RangeError(
        `Cannot check a separation: unknown model ${formatValue(model)} ` +
          `(one of ${CONSISTENCY_MODELS.join(", ")})`,
      );
    }
  }
  const title = options.title ?? `${holds.join(", ")}, but not ${breaks}`;
  const fail = (details: string[], figures: (Figure | undefined)[] = []) =>
    new ExerciseResult({ passed: false, title, details, figures });
  let parsed: History;
  try {
    parsed = parseHistory(history);
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    return fail([
      `✗ Not a well-formed history: ${error.message}.`,
      "Each operation is two records on its process: an invoke, then its completion.",
    ]);
  }
  if (parsed.length === 0) {
    return fail([
      "✗ The history is empty: write an invoke and an ok for each operation, as " +
      '{ process: 0, type: "invoke", f: "write", key: "x", value: 1 }.',
    ]);
  }
  const bars = historyBars(parsed, { width: 640 });
  const details: string[] = [];
  let passed = true;
  const verdicts = new Map<ConsistencyModel, ReturnType<typeof checkConsistency>>();
  try {
    for (const model of [...holds, breaks]) verdicts.set(model, checkConsistency(parsed, model));
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    return fail([`✗ ${error.message}: use reads and writes only.`], [bars]);
  }
  for (const model of holds) {
    const result = verdicts.get(model)!;
    if (result.valid === true) details.push(`✓ ${model}: holds.`);
    else if (result.valid === "unknown") {
      passed = false;
      details.push(`✗ ${model}: the checker cannot tell (${result.reason}).`);
    } else {
      passed = false;
      details.push(`✗ ${model}: broken. ${result.evidence!.summary}.`);
    }
  }
  const broken = verdicts.get(breaks)!;
  let evidenceBars: Figure | undefined;
  if (broken.valid === false) {
    const evidence = broken.evidence!;
    details.push(
      `✓ ${breaks}: broken. ${evidence.summary}. Smallest part that shows it: ` +
        `${evidence.operations.map((op) => op.label).join("; ")}.`,
    );
    evidenceBars = historyBars(evidence.history, { width: 640 });
  } else if (broken.valid === "unknown") {
    passed = false;
    details.push(`✗ ${breaks}: the checker cannot tell (${broken.reason}).`);
  } else {
    passed = false;
    details.push(`✗ ${breaks}: holds, so the history does not separate the models.`);
  }
  return new ExerciseResult({ passed, title, details, figures: [bars, evidenceBars] });
}

/**
 * Exercise 1: a history causal memory allows and sequential consistency does not. A
 * hint: two processes write to the same key at the same time; who sees what in which
 * order?
 *
 * @example
 * ```ts
 * // A stale read: p1 reads nothing after p0's write of 1 has completed.
 * const staleRead = [
 *   { process: 0, type: "invoke", f: "write", key: "x", value: 1 },
 *   { process: 0, type: "ok", f: "write", key: "x", value: 1 },
 *   { process: 1, type: "invoke", f: "read", key: "x", value: null },
 *   { process: 1, type: "ok", f: "read", key: "x", value: null },
 * ];
 * // false: the history is sequentially consistent too, so it separates nothing here
 * checkCausalNotSequential(staleRead).passed;
 * ```
 */
export function checkCausalNotSequential(history: unknown): ExerciseResult {
  return checkSeparation(history, {
    holds: ["causal"],
    breaks: "sequential",
    title: "Causal but not sequential",
  });
}

/**
 * Exercise 2: a history that keeps all four session guarantees and is not causal. A
 * hint: each guarantee looks one step back along a session or a read; causality is
 * transitive.
 *
 * @example
 * ```ts
 * // A stale read: p1 reads nothing after p0's write of 1 has completed.
 * const staleRead = [
 *   { process: 0, type: "invoke", f: "write", key: "x", value: 1 },
 *   { process: 0, type: "ok", f: "write", key: "x", value: 1 },
 *   { process: 1, type: "invoke", f: "read", key: "x", value: null },
 *   { process: 1, type: "ok", f: "read", key: "x", value: null },
 * ];
 * // false: the history is causal too, so it separates nothing here
 * checkSessionsNotCausal(staleRead).passed;
 * ```
 */
export function checkSessionsNotCausal(history: unknown): ExerciseResult {
  return checkSeparation(history, {
    holds: [...SESSION_GUARANTEES, "session-guarantees"],
    breaks: "causal",
    title: "Every session guarantee, yet not causal",
  });
}
