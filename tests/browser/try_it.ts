/**
 * The "Try it" cells of a chapter and the knob the browser test turns in one of them.
 *
 * A chapter marks its try-it cells by starting them with a `// Try it` comment (chapter 00
 * tells readers to look for it) or, where a comment does not fit, by the cell tag `try-it`.
 * Their knobs are `const NAME = value` lines in capitals at the top. The browser test
 * changes one knob the way a reader would: a seed moves to the next seed, any other number
 * to a nearby valid value.
 *
 * @module
 */
import { type Cell, cellTags, joinText } from "../../tools/notebook_json.ts";

/** The cell tag that marks a try-it cell whose source cannot start with the comment. */
export const TRY_IT_TAG = "try-it";

const TRY_IT_COMMENT = /^\/\/\s*try it\b/i;

/**
 * Whether a cell is a try-it cell: a code cell whose first non-blank line is a `// Try it`
 * comment, or one tagged `try-it`.
 *
 * @example
 * ```ts
 * isTryItCell({ cell_type: "code", source: "// Try it: fan-out\nconst K = 20;" }); // true
 * ```
 */
export function isTryItCell(cell: Cell): boolean {
  if (cell.cell_type !== "code") return false;
  if (cellTags(cell).includes(TRY_IT_TAG)) return true;
  const first = joinText(cell.source).split("\n").find((line) => line.trim() !== "");
  return first !== undefined && TRY_IT_COMMENT.test(first.trim());
}

/** A change to one numeric literal of a knob, located as an editor locates it. */
export interface KnobEdit {
  /** The knob's name (`SEED_TRY`). */
  readonly name: string;
  /** Line of the literal in the cell's source (0-based). */
  readonly line: number;
  /** Column where the literal starts (0-based, UTF-16 units, as CodeMirror counts). */
  readonly startColumn: number;
  /** Column just after the literal. */
  readonly endColumn: number;
  /** The literal as written (`7`). */
  readonly before: string;
  /** What replaces it (`8`). */
  readonly after: string;
}

// `const NAME = ...` or `const NAME: type = ...` with NAME in capitals: a knob by the
// chapters' convention. Group 1 is the name, group 2 everything after the `=`.
const KNOB_LINE = /^\s*const\s+([A-Z][A-Z0-9_]*)\s*(?::[^=]+)?=\s*(.*)$/;
// A numeric literal not glued to an identifier (so `x2` or `p99` do not count).
const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/;

/**
 * The knob to change in a try-it cell's source: the first knob whose name contains `SEED`
 * that is set to an integer, else the first knob line holding a number literal, or null
 * when no knob has one. See {@link nudgeNumber} for the new value.
 *
 * @example
 * ```ts
 * chooseKnobEdit("// Try it\nconst LOSS = 0.1;\nconst SEED_TRY = 7;\n");
 * // { name: "SEED_TRY", line: 2, startColumn: 17, endColumn: 18, before: "7", after: "8" }
 * ```
 */
export function chooseKnobEdit(source: string): KnobEdit | null {
  const lines = source.split("\n");
  let fallback: KnobEdit | null = null;
  for (const [index, text] of lines.entries()) {
    const knob = KNOB_LINE.exec(text);
    if (knob === null) continue;
    const [, name = "", value = ""] = knob;
    const valueStart = text.length - value.length;
    const literal = NUMBER.exec(value);
    if (literal === null) continue;
    const edit: KnobEdit = {
      name,
      line: index,
      startColumn: valueStart + literal.index,
      endColumn: valueStart + literal.index + literal[0].length,
      before: literal[0],
      after: "",
    };
    if (/SEED/.test(name) && /^-?\d+$/.test(literal[0])) {
      return { ...edit, after: String(Number(literal[0]) + 1) };
    }
    fallback ??= { ...edit, after: nudgeNumber(literal[0]) };
  }
  return fallback;
}

/**
 * A nearby value that keeps a knob valid: an integer gets one more, a fraction between 0
 * and 1 (a probability) is halved, any other number doubled.
 *
 * @example
 * ```ts
 * nudgeNumber("50"); // "51"
 * nudgeNumber("0.1"); // "0.05"
 * nudgeNumber("1.5"); // "3"
 * ```
 */
export function nudgeNumber(literal: string): string {
  const value = Number(literal);
  if (!Number.isFinite(value)) {
    throw new TypeError(`Cannot change the number ${JSON.stringify(literal)}: it is not one`);
  }
  if (/^-?\d+$/.test(literal)) return String(value + 1);
  if (value > 0 && value < 1) return String(value / 2);
  return String(value * 2);
}

/**
 * The source after an edit, to compare with what the editor holds once the edit is typed.
 *
 * @throws {RangeError} if the edit does not match the source.
 */
export function applyKnobEdit(source: string, edit: KnobEdit): string {
  const lines = source.split("\n");
  const text = lines[edit.line];
  if (text === undefined || text.slice(edit.startColumn, edit.endColumn) !== edit.before) {
    throw new RangeError(
      `Cannot change ${edit.name}: line ${edit.line} does not hold ${edit.before} at column ${edit.startColumn}`,
    );
  }
  lines[edit.line] = text.slice(0, edit.startColumn) + edit.after + text.slice(edit.endColumn);
  return lines.join("\n");
}

/**
 * An edit in a line of text (`SEED_TRY: 7 → 8`).
 *
 * @example
 * ```ts
 * describeKnobEdit({ name: "K", line: 3, startColumn: 10, endColumn: 12, before: "20", after: "21" });
 * // "K: 20 → 21"
 * ```
 */
export function describeKnobEdit(edit: KnobEdit): string {
  return `${edit.name}: ${edit.before} → ${edit.after}`;
}
