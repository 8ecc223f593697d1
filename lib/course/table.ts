/**
 * Small tables for chapters: tidy rows shown as an HTML table in the notebook (and as
 * aligned text elsewhere), and {@link tally}, which counts rows by two fields, the usual
 * way to turn one row per request into "outcomes per fault".
 *
 * @module
 */
import { displayWhenFlushed } from "../viz/jupyter.ts";
import { formatValue } from "./format.ts";

/** Options of {@link table}. */
export interface TableOptions {
  /** Columns to show, in order. Default: every field of the rows, in first-seen order. */
  readonly columns?: readonly string[];
  /** Header text per column (`{ latencyMs: "latency (ms)" }`). Default: the field name. */
  readonly labels?: Readonly<Record<string, string>>;
  /** A line above the table. */
  readonly caption?: string;
  /** Most rows shown; a last line says how many were left out. Default 30. */
  readonly maxRows?: number;
}

/**
 * Rows shown as a table. Shown in a notebook (`await show(table(rows))`) it is an HTML
 * table (numbers right-aligned, to four significant digits); `toString()` gives aligned
 * plain text.
 */
export class Table {
  /** The columns shown, in order. */
  readonly columns: readonly string[];
  /** The header of each column. */
  readonly headers: readonly string[];
  /** The cells shown, formatted, one array per row. */
  readonly cells: readonly (readonly string[])[];
  /** Whether each column is numeric (right-aligned). */
  readonly numeric: readonly boolean[];
  /** The caption, or "". */
  readonly caption: string;
  /** Rows left out by `maxRows`. */
  readonly hiddenRows: number;

  /** A table of the given rows. Use {@link table} to build one. */
  constructor(rows: readonly Readonly<Record<string, unknown>>[], options: TableOptions = {}) {
    const maxRows = options.maxRows ?? 30;
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw new RangeError(
        `Cannot make a table: maxRows must be a whole number at least 1, got ${maxRows}`,
      );
    }
    this.columns = options.columns === undefined ? fieldsOf(rows) : [...options.columns];
    this.headers = this.columns.map((column) => options.labels?.[column] ?? column);
    const shown = rows.slice(0, maxRows);
    this.cells = shown.map((row) => this.columns.map((column) => formatCell(row[column])));
    this.numeric = this.columns.map((column) =>
      shown.some((row) => typeof row[column] === "number") &&
      shown.every((row) =>
        typeof row[column] === "number" || row[column] === null || row[column] === undefined
      )
    );
    this.caption = options.caption ?? "";
    this.hiddenRows = rows.length - shown.length;
  }

  /** The table as aligned plain text, a header line first. */
  toString(): string {
    const widths = this.columns.map((_, i) =>
      Math.max(this.headers[i]!.length, ...this.cells.map((row) => row[i]!.length))
    );
    const line = (values: readonly string[]) =>
      values.map((value, i) =>
        this.numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)
      ).join("  ").trimEnd();
    const lines = [line(this.headers), ...this.cells.map(line)];
    if (this.caption !== "") lines.unshift(this.caption);
    if (this.hiddenRows > 0) lines.push(`… ${this.hiddenRows} more rows`);
    return lines.join("\n");
  }

  /** The table as HTML with inline styles (it shows the same in an exported page). */
  toHtml(): string {
    const align = (i: number) => this.numeric[i] ? "right" : "left";
    const head = this.headers.map((header, i) =>
      `<th style="${CELL_STYLE};text-align:${align(i)};border-bottom:1px solid #8c959f">${
        escapeHtml(header)
      }</th>`
    ).join("");
    const body = this.cells.map((row) =>
      `<tr>${
        row.map((cell, i) =>
          `<td style="${CELL_STYLE};text-align:${align(i)};border-bottom:1px solid #eaeef2">${
            escapeHtml(cell)
          }</td>`
        ).join("")
      }</tr>`
    ).join("");
    // The caption sits above the table rather than in a <caption>, which would wrap to the
    // width of a narrow table.
    const caption = this.caption === ""
      ? ""
      : `<div class="course-table-caption" style="color:#57606a;margin:2px 0 4px">${
        escapeHtml(this.caption)
      }</div>`;
    const more = this.hiddenRows > 0
      ? `<div style="color:#57606a;font-size:0.85em">… ${this.hiddenRows} more rows</div>`
      : "";
    return `<div class="course-table" style="margin:4px 0;font-family:system-ui,sans-serif;` +
      `font-size:0.9em">${caption}<table style="border-collapse:collapse;` +
      `font-variant-numeric:tabular-nums"><thead><tr>${head}</tr></thead><tbody>${body}` +
      `</tbody></table>${more}</div>`;
  }

  /** What the Deno Jupyter kernel shows for this value (see `displayWhenFlushed`). */
  [Symbol.for("Jupyter.display")]():
    | { "text/html": string; "text/plain": string }
    | Promise<{ "text/html": string; "text/plain": string }> {
    return displayWhenFlushed({ "text/html": this.toHtml(), "text/plain": this.toString() });
  }
}

/**
 * Shows rows as a table.
 *
 * @example
 * ```ts
 * const rows = [{ k: 1, p99Ms: 40.2, meanMs: 9.8 }, { k: 2, p99Ms: 12.5, meanMs: 7.1 }];
 * table(rows, { columns: ["k", "p99Ms"], labels: { p99Ms: "p99 (ms)" } });
 * ```
 */
export function table(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: TableOptions = {},
): Table {
  if (!Array.isArray(rows)) throw new TypeError("Cannot make a table: rows must be an array");
  return new Table(rows, options);
}

/** Options of {@link tally}. */
export interface TallyOptions<T> {
  /** The field that makes the rows of the result (one per distinct value). */
  readonly by: keyof T & string;
  /** The field whose values are counted (one column per distinct value). */
  readonly of: keyof T & string;
  /**
   * The values of `of` to count, in column order; values not listed are not counted.
   * Default: every value seen, in first-seen order.
   */
  readonly values?: readonly unknown[];
}

/**
 * Counts rows by two fields: one result row per value of `by`, holding that value, the
 * count of each value of `of`, and the `total`.
 *
 * @example
 * ```ts
 * const rows = [
 *   { fault: "none", outcome: "ok" },
 *   { fault: "none", outcome: "ok" },
 *   { fault: "crash", outcome: "ok" },
 *   { fault: "crash", outcome: "timeout" },
 * ];
 * tally(rows, { by: "fault", of: "outcome" });
 * // [{ fault: "none", ok: 2, timeout: 0, total: 2 }, { fault: "crash", ok: 1, timeout: 1, total: 2 }]
 * ```
 */
export function tally<T extends Readonly<Record<string, unknown>>>(
  rows: readonly T[],
  options: TallyOptions<T>,
): Record<string, string | number>[] {
  const { by, of } = options;
  const values = options.values === undefined
    ? [...new Set(rows.map((row) => row[of]))]
    : [...options.values];
  const columns = values.map(String);
  if (columns.includes(by) || columns.includes("total")) {
    throw new RangeError(
      `Cannot tally by ${by}: a value of ${of} would overwrite the column ${
        columns.includes(by) ? by : "total"
      }`,
    );
  }
  const groups = new Map<unknown, Record<string, string | number>>();
  for (const row of rows) {
    const key = row[by];
    let out = groups.get(key);
    if (out === undefined) {
      out = { [by]: String(key) };
      for (const column of columns) out[column] = 0;
      out.total = 0;
      groups.set(key, out);
    }
    const column = String(row[of]);
    if (options.values !== undefined && !values.includes(row[of])) continue;
    out[column] = (out[column] as number) + 1;
    out.total = (out.total as number) + 1;
  }
  return [...groups.values()];
}

const CELL_STYLE = "padding:3px 10px";

function fieldsOf(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const fields = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) fields.add(key);
  return [...fields];
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return formatValue(value);
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
