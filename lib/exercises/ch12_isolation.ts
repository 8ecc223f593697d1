/**
 * Exercises of chapter 12 with their self-checks:
 *
 * 1. **Write a history the checker calls write skew** ({@link checkWriteSkewHistory}): a
 *    list-append transaction history whose only anomaly is G2-item, so snapshot isolation
 *    allows it and serializability does not.
 * 2. **Write snapshot isolation's commit rule** ({@link checkSnapshotCommitRule}): whether a
 *    transaction may commit, given when it began and when each key it wrote was last
 *    committed; checked by runs of the store on the lost-update workload.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { buildIsolation, IsolationParamsSchema } from "../transactions/isolation_trial.ts";
import { cycleFigure } from "../transactions/isolation_figures.ts";
import { checkTransactions, type TxnCheckResult } from "../transactions/txn_checker.ts";
import type { CommitRule } from "../transactions/txn_store.ts";
import { ExerciseResult } from "./result.ts";

/**
 * Checks a history that should show write skew and nothing else: the checker must find a
 * G2-item cycle (two or more rw edges), and the history must still satisfy snapshot
 * isolation (no G0, G1, G-single or lost update), so it separates the two levels.
 *
 * @example
 * ```ts
 * checkWriteSkewHistory([]).passed; // false: an empty history is serializable
 * ```
 */
export function checkWriteSkewHistory(history: unknown): ExerciseResult {
  const title = "Write a history the checker calls write skew";
  let result: TxnCheckResult;
  try {
    result = checkTransactions(history);
  } catch (error) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        error instanceof Error ? error.message : String(error),
        'Each record is {process, type: "invoke" | "ok" | "fail", f: "txn", value: [...]}; ' +
        "an invoke's reads are null and its ok carries the list each read returned.",
      ],
    });
  }
  const cycle = result.anomalies.find((a) => a.cycle !== undefined);
  const figure = cycle === undefined ? undefined : cycleFigure(result, cycle);
  const g2 = result.anomalies.find((a) => a.name === "G2-item");
  if (g2 === undefined) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        result.anomalies.length === 0
          ? "The checker finds no anomaly: the history is serializable."
          : `The checker finds ${result.anomalyNames.join(", ")}, but no G2-item.`,
        "Write skew needs two transactions that each read what the other writes, before it " +
        "is written (two rw edges), and a later read that shows both writes.",
      ],
      figures: [figure],
    });
  }
  if (!result.satisfies["snapshot-isolation"]) {
    const others = result.anomalyNames.filter((name) => name !== "G2-item");
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `The checker finds G2-item, but also ${others.join(", ")}: snapshot isolation would ` +
        "forbid this history, so it does not show what makes write skew special.",
        "Let the two transactions write different keys, and each read only committed data.",
      ],
      figures: [cycleFigure(result, g2)],
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `G2-item: ${g2.message}.`,
      "Snapshot isolation allows it (the writes touch different keys, so no first committer " +
      "loses), and no serial order explains it.",
    ],
    figures: [cycleFigure(result, g2)],
  });
}

/** Options of {@link checkSnapshotCommitRule}. */
export interface SnapshotCommitRuleCheckOptions {
  /** Runs to try (seeds 1, 2, ...). Default 40. */
  readonly seeds?: number;
}

/**
 * Checks a commit rule `(startTs, latestCommitTs) => boolean` for snapshot isolation: runs
 * the store with it on the lost-update workload (each transaction reads a key and appends
 * to it). Passes when no run shows a lost update or any other anomaly snapshot isolation
 * forbids, and at least a third of the transactions still commit (a rule that aborts
 * everything is safe and useless).
 *
 * @example
 * ```ts
 * checkSnapshotCommitRule(() => true).passed; // false: updates get lost
 * ```
 */
export function checkSnapshotCommitRule(
  rule: CommitRule,
  options: SnapshotCommitRuleCheckOptions = {},
): ExerciseResult {
  const title = "Write snapshot isolation's commit rule";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (startTs, latestCommitTs) => boolean."],
    });
  }
  const params = IsolationParamsSchema.parse({
    isolation: "snapshot-isolation",
    anomaly: "lost-update",
  });
  let committed = 0, total = 0;
  for (let seed = 1; seed <= (options.seeds ?? 40); seed++) {
    let result: TxnCheckResult;
    try {
      const system = buildIsolation(params, seed, false, rule);
      system.simulation.runUntil(params.runMs);
      result = system.check();
      committed += system.txnHistory.filter((op) => op.type === "ok").length;
      total += system.txnHistory.filter((op) => op.type === "invoke").length;
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    if (!result.satisfies["snapshot-isolation"]) {
      const bad = result.anomalies.find((a) => a.cycle !== undefined) ?? result.anomalies[0]!;
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: ${bad.name}: ${bad.message}.`,
          "Two transactions that began before either committed both wrote the same key, and " +
          "both committed: the second must abort when a key it wrote has a version committed " +
          "after it began.",
        ],
        figures: [bad.cycle === undefined ? undefined : cycleFigure(result, bad)],
      });
    }
  }
  if (committed < total / 3) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `Only ${committed} of ${total} transactions committed: the rule aborts transactions ` +
        "no one raced.",
        "Abort only when a key the transaction wrote was committed after it began.",
      ],
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `No anomaly snapshot isolation forbids in ${options.seeds ?? 40} runs; ${committed} of ` +
      `${total} transactions committed.`,
    ],
  });
}
