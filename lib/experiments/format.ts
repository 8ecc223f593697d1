/**
 * Tidy rows as text: an aligned table for people, CSV and JSON for programs. Columns are
 * every key of every row, in the order first seen; the output depends only on the rows.
 *
 * @module
 */
import type { Cell, Row } from "./experiment.ts";

/** Every key of `rows`, in the order first seen. */
export function columnsOf(rows: readonly Row[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/**
 * Rows as one JSON array, one row per line, ending with a newline.
 *
 * @example
 * ```ts
 * formatJson([{ a: 1 }, { a: 2 }]); // '[\n{"a":1},\n{"a":2}\n]\n'
 * ```
 */
export function formatJson(rows: readonly Row[]): string {
  if (rows.length === 0) return "[]\n";
  return `[\n${rows.map((row) => JSON.stringify(row)).join(",\n")}\n]\n`;
}

/**
 * Rows as CSV (RFC 4180, with "\n" line ends): a header of the columns, then one line per
 * row. Null and missing cells are empty; a field holding a comma, a quote, a line break
 * or surrounding spaces is quoted, its quotes doubled.
 *
 * @example
 * ```ts
 * formatCsv([{ from: "n1", note: 'say "hi", then go' }]);
 * // 'from,note\nn1,"say ""hi"", then go"\n'
 * ```
 */
export function formatCsv(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) {
    lines.push(columns.map((column) => csvField(cellText(row[column], ""))).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Options for {@link formatTable}. */
export interface FormatTableOptions {
  /** Most decimals a number shows (trailing zeros dropped). Default 3. */
  readonly maxDecimals?: number;
  /** What a null or missing cell shows. Default "-". */
  readonly empty?: string;
}

/**
 * Rows as an aligned text table: a header, a rule, then one line per row; numbers are
 * right-aligned and rounded for reading (use CSV or JSON for full precision).
 *
 * @example
 * ```ts
 * formatTable([{ from: "n1", rttMs: 12.3456 }, { from: "n2", rttMs: null }]);
 * // from   rttMs
 * // ----  ------
 * // n1    12.346
 * // n2         -
 * ```
 */
export function formatTable(rows: readonly Row[], options: FormatTableOptions = {}): string {
  if (rows.length === 0) return "(no rows)\n";
  const maxDecimals = options.maxDecimals ?? 3;
  const empty = options.empty ?? "-";
  const columns = columnsOf(rows);
  const numeric = columns.map((column) =>
    rows.every((row) =>
      typeof row[column] === "number" || row[column] === null || row[column] === undefined
    )
  );
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = row[column];
      return typeof value === "number" ? roundNumber(value, maxDecimals) : cellText(value, empty);
    })
  );
  const widths = columns.map((column, c) =>
    Math.max(column.length, ...cells.map((line) => (line[c] as string).length))
  );
  const pad = (text: string, c: number) =>
    numeric[c] ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number);
  const lines = [
    columns.map((column, c) => pad(column, c)),
    widths.map((width) => "-".repeat(width)),
    ...cells.map((line) => line.map((text, c) => pad(text, c))),
  ];
  return lines.map((line) => line.join("  ").trimEnd()).join("\n") + "\n";
}

// ---- helpers ---------------------------------------------------------------------------

function cellText(value: Cell | undefined, empty: string): string {
  if (value === null || value === undefined) return empty;
  return String(value);
}

function roundNumber(value: number, maxDecimals: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(maxDecimals);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

function csvField(text: string): string {
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replaceAll('"', '""')}"`;
  return text;
}
