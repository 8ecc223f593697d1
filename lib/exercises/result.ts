/**
 * The result of an exercise's self-check: passed or not, with the reasons, shown as a
 * green or red box in Jupyter. A check never throws because an answer is wrong (a
 * notebook that runs a check on an unfinished answer must still run); readers who want
 * a failure to stop the notebook call {@link assertPassed}.
 *
 * @module
 */
import type { Row } from "../experiments/experiment.ts";
import { displayWhenFlushed } from "../viz/jupyter.ts";
import type { Figure } from "../viz/figure.ts";

/** What a check found. */
export interface ExerciseResultInit {
  /** Whether the answer is accepted. */
  readonly passed: boolean;
  /** The exercise's name ("Choose a timeout"). */
  readonly title: string;
  /** Why it passed or failed, one finding per line. */
  readonly details: readonly string[];
  /** The smallest input on which the answer is wrong, when the check searched for one. */
  readonly counterexample?: unknown;
  /** Measurements behind the verdict (one row per run), for a table or a plot. */
  readonly rows?: readonly Row[];
  /**
   * Figures shown under the box, in order (a counterexample drawn, the failed run's
   * diagram); undefined entries are skipped, so a check can pass a figure it may not have.
   */
  readonly figures?: readonly (Figure | undefined)[];
}

/**
 * The verdict of a self-check. Shown in a notebook (`await show(result)`) it is a
 * box with a green ✓ or a red ✗, the title and the findings, then its figures (a
 * counterexample drawn); elsewhere `toString()` gives the findings as plain text.
 *
 * @example
 * ```ts
 * const result = new ExerciseResult({ passed: false, title: "Choose a timeout", details: ["too short"] });
 * String(result); // "✗ Choose a timeout\n  - too short"
 * ```
 */
export class ExerciseResult {
  /** Whether the answer is accepted. */
  readonly passed: boolean;
  /** The exercise's name. */
  readonly title: string;
  /** Why it passed or failed, one finding per line. */
  readonly details: readonly string[];
  /** The smallest input on which the answer is wrong, if the check found one. */
  readonly counterexample: unknown;
  /** Measurements behind the verdict, if any. */
  readonly rows: readonly Row[];
  /** The figures shown under the box (none for most verdicts). */
  readonly figures: readonly Figure[];

  /** A result from what a check found. */
  constructor(init: ExerciseResultInit) {
    this.passed = init.passed;
    this.title = init.title;
    this.details = [...init.details];
    this.counterexample = init.counterexample;
    this.rows = init.rows ?? [];
    this.figures = (init.figures ?? []).filter((figure) => figure !== undefined);
  }

  /** The first figure, when the verdict has one (most show at most one). */
  get figure(): Figure | undefined {
    return this.figures[0];
  }

  /** The verdict as plain text: a ✓ or ✗ line, then one indented line per finding. */
  toString(): string {
    const mark = this.passed ? "✓" : "✗";
    return [`${mark} ${this.title}`, ...this.details.map((line) => `  - ${line}`)].join("\n");
  }

  /**
   * The verdict as a small HTML box, green with ✓ when passed, red with ✗ when not, then
   * the figures.
   */
  toHtml(): string {
    const [border, background, mark] = this.passed
      ? ["#1a7f37", "#e9f7ec", "✓"]
      : ["#cf222e", "#fdecea", "✗"];
    const items = this.details.map((line) => `<li>${escapeHtml(line)}</li>`).join("");
    return `<div class="exercise-result ${this.passed ? "passed" : "failed"}" style="` +
      `border:2px solid ${border};background:${background};border-radius:6px;` +
      `padding:8px 14px;margin:4px 0;font-family:system-ui,sans-serif;color:#1f2328">` +
      `<div style="font-weight:600;color:${border}">${mark} ${escapeHtml(this.title)}</div>` +
      (items === "" ? "" : `<ul style="margin:6px 0 0 0;padding-left:20px">${items}</ul>`) +
      `</div>` + this.figures.map((figure) => `\n<div>${figure.html}</div>`).join("");
  }

  /**
   * What the Deno Jupyter kernel shows for this value: the HTML box and the plain text
   * (see `displayWhenFlushed`).
   */
  [Symbol.for("Jupyter.display")]():
    | { "text/html": string; "text/plain": string }
    | Promise<{ "text/html": string; "text/plain": string }> {
    return displayWhenFlushed({ "text/html": this.toHtml(), "text/plain": this.toString() });
  }
}

/** Thrown by {@link assertPassed} for a failed check; `result` holds the findings. */
export class ExerciseFailedError extends Error {
  /** The failed result. */
  readonly result: ExerciseResult;

  /** An error naming the exercise and its findings. */
  constructor(result: ExerciseResult) {
    super(`Cannot accept the answer to "${result.title}": ${result.details.join("; ")}`);
    this.name = "ExerciseFailedError";
    this.result = result;
  }
}

/**
 * The verdict for an answer that is not a function: what was expected, and what came.
 *
 * @example
 * ```ts
 * String(notAFunction("Choose k", "(nodes, target) => k", 3));
 * // "✗ Choose k\n  - Expected a function (nodes, target) => k, got number."
 * ```
 */
export function notAFunction(title: string, signature: string, value: unknown): ExerciseResult {
  return new ExerciseResult({
    passed: false,
    title,
    details: [`Expected a function ${signature}, got ${typeof value}.`],
  });
}

/** A table of cases to try an answer on: each case, what is right, and how to show it. */
export interface CaseTable<C> {
  /** The cases, in the order they are shown. */
  readonly cases: readonly C[];
  /** The right answer for a case. */
  readonly expected: (c: C) => unknown;
  /** The reader's answer for a case (it may throw: that is a wrong answer, not an error). */
  readonly answer: (c: C) => unknown;
  /** The columns that describe a case in the table of rows. */
  readonly columns: (c: C) => Row;
  /** The case in words, for the finding when the answer is wrong. */
  readonly describe: (c: C) => string;
  /** Why the right answer is right, said after a wrong one. */
  readonly why: (c: C) => string;
}

/** How an answer did on a {@link CaseTable}. */
export interface CaseTableOutcome {
  /** One row per case: its columns, `expected`, `yours` and `agrees`. */
  readonly rows: Row[];
  /** One finding per case the answer got wrong. */
  readonly wrong: string[];
  /** How many cases there were. */
  readonly count: number;
}

/**
 * Tries an answer on every case of a table: a row per case for the verdict's table, and a
 * finding ("<case>: expected X, got Y (why)") for each case it gets wrong. An answer that
 * throws is wrong on that case; the check goes on.
 *
 * @example
 * ```ts
 * const outcome = tryCases({
 *   cases: [[1, 2], [5, 3]] as const,
 *   expected: ([a, b]) => Math.max(a, b),
 *   answer: ([a, b]) => a,
 *   columns: ([a, b]) => ({ a, b }),
 *   describe: ([a, b]) => `max(${a}, ${b})`,
 *   why: () => "the larger of the two",
 * });
 * outcome.wrong; // ["max(1, 2): expected 2, got 1 (the larger of the two)."]
 * ```
 */
export function tryCases<C>(table: CaseTable<C>): CaseTableOutcome {
  const rows: Row[] = [];
  const wrong: string[] = [];
  for (const c of table.cases) {
    const expected = table.expected(c);
    let answer: unknown;
    try {
      answer = table.answer(c);
    } catch (error) {
      answer = `threw ${error instanceof Error ? error.message : String(error)}`;
    }
    const agrees = answer === expected;
    const yours = typeof answer === typeof expected ? answer : String(answer);
    rows.push({ ...table.columns(c), expected, yours, agrees } as Row);
    if (!agrees) {
      wrong.push(
        `${table.describe(c)}: expected ${expected}, got ${String(yours)} (${table.why(c)}).`,
      );
    }
  }
  return { rows, wrong, count: table.cases.length };
}

/**
 * Throws an {@link ExerciseFailedError} if `result` did not pass; returns it otherwise.
 *
 * @example
 * ```ts
 * import { checkChooseTimeout, referenceChooseTimeout } from "./ch01.ts";
 *
 * assertPassed(checkChooseTimeout(referenceChooseTimeout)); // stops the cell if it fails
 * ```
 */
export function assertPassed(result: ExerciseResult): ExerciseResult {
  if (!result.passed) throw new ExerciseFailedError(result);
  return result;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
