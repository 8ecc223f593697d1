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
}

/**
 * The verdict of a self-check. As the last expression of a notebook cell it shows as a
 * box with a green ✓ or a red ✗, the title and the findings; elsewhere `toString()` gives
 * the same as plain text.
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

  /** A result from what a check found. */
  constructor(init: ExerciseResultInit) {
    this.passed = init.passed;
    this.title = init.title;
    this.details = [...init.details];
    this.counterexample = init.counterexample;
    this.rows = init.rows ?? [];
  }

  /** The verdict as plain text: a ✓ or ✗ line, then one indented line per finding. */
  toString(): string {
    const mark = this.passed ? "✓" : "✗";
    return [`${mark} ${this.title}`, ...this.details.map((line) => `  - ${line}`)].join("\n");
  }

  /** The verdict as a small HTML box: green with ✓ when passed, red with ✗ when not. */
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
      `</div>`;
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
 * Throws an {@link ExerciseFailedError} if `result` did not pass; returns it otherwise.
 *
 * @example
 * ```ts
 * assertPassed(checkChooseTimeout(myChooseTimeout)); // stops the cell if it fails
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
