/**
 * Claims a chapter makes about its data, checked where the reader can see them. A chapter
 * says "the p99 grows with k"; `claim` checks it on the rows just computed and shows
 * "✓ the p99 grows with k" with the evidence under it, or stops the notebook with a
 * {@link ClaimError} that names the claim and the numbers that contradict it. The
 * exported page then lists every claim that held on the data it shows.
 *
 * @module
 */
import { displayWhenFlushed } from "../viz/jupyter.ts";
import { formatValue } from "./format.ts";

/** What a claim hands the Deno Jupyter kernel to show. */
type DisplayBundle = { "text/html": string; "text/plain": string };

/** What decides a claim: a boolean, or a function computing one (run once, at once). */
export type ClaimCondition = boolean | (() => boolean);

/**
 * The numbers behind a claim: a sentence, an object of named values (shown as
 * `name = value`, numbers to four significant digits; any object works, `sim.stats` too),
 * or a function that returns either (called once, after the condition, so it may reuse
 * what the condition computed).
 */
export type ClaimEvidence = string | object | (() => string | object);

/**
 * Thrown by {@link claim} when a claim does not hold on the data. The message reads
 * `Cannot confirm "<claim>": <evidence>`; the claim and the evidence are also fields.
 */
export class ClaimError extends Error {
  /** The claim that failed, as the chapter states it. */
  readonly claim: string;
  /** The evidence, formatted; empty when none was given. */
  readonly evidence: string;

  /** An error for the claim `claim`, contradicted by `evidence`. */
  constructor(claim: string, evidence: string, options?: ErrorOptions) {
    super(
      `Cannot confirm "${claim}": ${evidence === "" ? "the data contradicts it" : evidence}`,
      options,
    );
    this.name = "ClaimError";
    this.claim = claim;
    this.evidence = evidence;
  }
}

/**
 * A claim that held. Shown in a notebook (`await show(claim(...))`) it is a green
 * "✓ claim" line with its evidence; `toString()` gives the same as plain text.
 */
export class Claim {
  /** The claim, as the chapter states it. */
  readonly text: string;
  /** The evidence, formatted; empty when none was given. */
  readonly evidence: string;

  /** A checked claim. Use {@link claim} to check one; this only holds the result. */
  constructor(text: string, evidence = "") {
    this.text = text;
    this.evidence = evidence;
  }

  /** `✓ <claim>`, then the evidence on an indented line when there is some. */
  toString(): string {
    return this.evidence === "" ? `✓ ${this.text}` : `✓ ${this.text}\n    ${this.evidence}`;
  }

  /** One line of HTML: a green check, the claim, and the evidence in smaller grey type. */
  toHtml(): string {
    return `<div class="course-claim" style="${LINE_STYLE}">` + claimHtml(this) + `</div>`;
  }

  /** What the Deno Jupyter kernel shows for this value (see `displayWhenFlushed`). */
  [Symbol.for("Jupyter.display")](): DisplayBundle | Promise<DisplayBundle> {
    return displayWhenFlushed({ "text/html": this.toHtml(), "text/plain": this.toString() });
  }
}

/**
 * Checks a claim the chapter makes. When `condition` holds it returns a {@link Claim}
 * that shows as "✓ text" with the evidence; when it does not, it throws a
 * {@link ClaimError} naming the claim and the evidence, so a chapter whose claim breaks
 * fails its notebook test. A condition function that throws fails the claim too (the
 * error is its `cause`).
 *
 * @example
 * ```ts
 * import { quantile, summarize } from "../viz/stats.ts";
 *
 * const latencies = [...Array(98).fill(5), 200, 400];
 * const p99 = quantile(latencies, 0.99), mean = summarize(latencies).mean;
 * claim("The p99 is far above the mean", p99 > 3 * mean, { p99Ms: p99, meanMs: mean });
 * // ✓ The p99 is far above the mean
 * //     p99Ms = 202, meanMs = 10.9
 * ```
 */
export function claim(text: string, condition: ClaimCondition, evidence?: ClaimEvidence): Claim {
  if (typeof text !== "string" || text.trim() === "") {
    throw new TypeError("Cannot check a claim: its text must be a non-empty string");
  }
  let holds: unknown;
  try {
    holds = typeof condition === "function" ? condition() : condition;
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ClaimError(text, `its check threw ${why}`, { cause: error });
  }
  if (typeof holds !== "boolean") {
    throw new TypeError(
      `Cannot check the claim "${text}": its condition must be a boolean, got ${
        describeType(holds)
      }`,
    );
  }
  const formatted = formatEvidence(evidence);
  if (!holds) throw new ClaimError(text, formatted);
  return new Claim(text, formatted);
}

/**
 * Several claims that held, shown as one list (a cell shows only its last value). Each
 * argument is checked by {@link claim} before the list is built, so the first that fails
 * stops the cell.
 *
 * @example
 * ```ts
 * const total = 200, okCount = 200, wrongCount = 0;
 * claims(
 *   claim("Every request succeeds without faults", okCount === total),
 *   claim("A crash produces no wrong answer", wrongCount === 0),
 * );
 * ```
 */
export function claims(...checked: readonly Claim[]): ClaimList {
  for (const [index, item] of checked.entries()) {
    if (!(item instanceof Claim)) {
      throw new TypeError(
        `Cannot list claims: argument ${index + 1} is not a Claim (check it with claim())`,
      );
    }
  }
  return new ClaimList(checked);
}

/** Claims that held, displayed together. Build it with {@link claims}. */
export class ClaimList {
  /** The claims, in the order given. */
  readonly items: readonly Claim[];

  /** A list of checked claims. */
  constructor(items: readonly Claim[]) {
    this.items = [...items];
  }

  /** One claim per line (evidence indented under it). */
  toString(): string {
    return this.items.map(String).join("\n");
  }

  /** The claims as HTML, one line each. */
  toHtml(): string {
    const lines = this.items.map((item) => `<div style="${LINE_STYLE}">${claimHtml(item)}</div>`);
    return `<div class="course-claims">${lines.join("")}</div>`;
  }

  /** What the Deno Jupyter kernel shows for this value (see `displayWhenFlushed`). */
  [Symbol.for("Jupyter.display")](): DisplayBundle | Promise<DisplayBundle> {
    return displayWhenFlushed({ "text/html": this.toHtml(), "text/plain": this.toString() });
  }
}

/**
 * Formats evidence for a claim: a string as is, a record as `name = value` pairs (numbers
 * to four significant digits, arrays shortened), a function by calling it.
 *
 * @example
 * ```ts
 * formatEvidence({ p99Ms: 54.0712, shapes: ["exponential", "pareto"] });
 * // "p99Ms = 54.07, shapes = [exponential, pareto]"
 * ```
 */
export function formatEvidence(evidence: ClaimEvidence | undefined): string {
  const value = typeof evidence === "function" ? evidence() : evidence;
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") {
    throw new TypeError(
      `Cannot format evidence: expected a string or a record, got ${describeType(value)}`,
    );
  }
  return Object.entries(value).map(([name, item]) => `${name} = ${formatValue(item)}`).join(", ");
}

const LINE_STYLE = "margin:2px 0;font-family:system-ui,sans-serif;color:#1f2328;line-height:1.4";

function claimHtml(item: Claim): string {
  const evidence = item.evidence === ""
    ? ""
    : `<div style="margin-left:1.5em;font-size:0.85em;color:#57606a">${
      escapeHtml(item.evidence)
    }</div>`;
  return `<span style="color:#1a7f37;font-weight:700">✓</span> ` +
    `<span style="font-weight:600">${escapeHtml(item.text)}</span>${evidence}`;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
