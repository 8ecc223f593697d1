/**
 * The Jupyter notebook format (nbformat 4) as the tools read it: types for the parts they
 * touch, parsing with a clear error, and small helpers shared by the hygiene checker, the
 * executor and the HTML exporter.
 *
 * @module
 */
import { basename, join } from "node:path";

/** A MIME bundle: MIME type to content (text may be stored as a list of lines). */
export type MimeBundle = Record<string, unknown>;

/** Text of a notebook field: Jupyter stores multi-line text as a list of lines. */
export type MultilineText = string | readonly string[];

/** `print`/`console.log` output of a code cell. */
export interface StreamOutput {
  /** Always "stream". */
  readonly output_type: "stream";
  /** "stdout" or "stderr". */
  readonly name: string;
  /** The text written. */
  readonly text: MultilineText;
}

/** A rich value shown by a cell: its result or something it displayed. */
export interface DataOutput {
  /** "execute_result" (the cell's value) or "display_data" (an explicit display). */
  readonly output_type: "execute_result" | "display_data";
  /** The value in one or more MIME types. */
  readonly data: MimeBundle;
  /** Per-MIME metadata (sizes and the like). */
  readonly metadata?: Record<string, unknown>;
  /** The execution count of an execute_result. */
  readonly execution_count?: number | null;
}

/** An exception raised by a cell. */
export interface ErrorOutput {
  /** Always "error". */
  readonly output_type: "error";
  /** The exception's name ("TypeError"). */
  readonly ename: string;
  /** The exception's message. */
  readonly evalue: string;
  /** The formatted stack, one line per entry, possibly with ANSI colours. */
  readonly traceback: readonly string[];
}

/** Any output of a code cell. */
export type Output = StreamOutput | DataOutput | ErrorOutput;

/** One cell of a notebook. */
export interface Cell {
  /** What the cell holds. */
  readonly cell_type: "code" | "markdown" | "raw";
  /** Stable identifier (nbformat 4.5). */
  readonly id?: string;
  /** Cell metadata (tags and editor state). */
  readonly metadata?: Record<string, unknown>;
  /** The cell's text. */
  readonly source: MultilineText;
  /** Outputs of a code cell. */
  readonly outputs?: readonly Output[];
  /** How many cells the kernel had run when it ran this one; null when not run. */
  readonly execution_count?: number | null;
  /** Files embedded in a markdown cell, by name. */
  readonly attachments?: Record<string, MimeBundle>;
}

/** A whole notebook. */
export interface Notebook {
  /** The cells, in order. */
  readonly cells: readonly Cell[];
  /** Notebook metadata (kernelspec, language_info, ...). */
  readonly metadata: Record<string, unknown>;
  /** Major format version (4). */
  readonly nbformat: number;
  /** Minor format version (5 has cell ids). */
  readonly nbformat_minor: number;
}

/**
 * Joins a multi-line notebook field into one string.
 *
 * @example
 * ```ts
 * joinText(["a\n", "b"]); // "a\nb"
 * ```
 */
export function joinText(text: MultilineText | undefined): string {
  if (text === undefined) return "";
  return typeof text === "string" ? text : text.join("");
}

/**
 * Splits text into lines that keep their line ends, the way Jupyter stores sources.
 *
 * @example
 * ```ts
 * splitLines("a\nb"); // ["a\n", "b"]
 * splitLines(""); // []
 * ```
 */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Parses notebook JSON, checking the shape the tools rely on.
 *
 * @param text The file's contents.
 * @param name What to call the notebook in an error message (usually its path).
 * @throws {SyntaxError} if the text is not JSON.
 * @throws {TypeError} if the JSON is not an nbformat 4 notebook.
 */
export function parseNotebook(text: string, name = "notebook"): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read ${name}: it is not valid JSON (${messageOf(error)})`);
  }
  if (!isRecord(value) || !Array.isArray(value.cells)) {
    throw new TypeError(`Cannot read ${name}: it has no "cells" list`);
  }
  if (value.nbformat !== 4) {
    throw new TypeError(
      `Cannot read ${name}: nbformat ${String(value.nbformat)} is not supported (expected 4)`,
    );
  }
  for (const [index, cell] of value.cells.entries()) {
    if (!isRecord(cell) || !["code", "markdown", "raw"].includes(String(cell.cell_type))) {
      throw new TypeError(`Cannot read ${name}: cell ${index} has no valid cell_type`);
    }
  }
  return {
    ...value,
    metadata: isRecord(value.metadata) ? value.metadata : {},
    nbformat_minor: typeof value.nbformat_minor === "number" ? value.nbformat_minor : 0,
  } as unknown as Notebook;
}

/** Reads and parses a notebook file (see {@link parseNotebook}). */
export async function readNotebook(path: string): Promise<Notebook> {
  return parseNotebook(await Deno.readTextFile(path), path);
}

/**
 * The `.ipynb` files directly inside `dir`, as paths sorted by name; empty when the folder
 * does not exist.
 */
export async function listNotebooks(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort().map((name) => join(dir, name));
}

/**
 * A chapter's slug: its file name without `.ipynb` ("01_what_is_a_distributed_system").
 *
 * @example
 * ```ts
 * chapterSlug("notebooks/03_clocks.ipynb"); // "03_clocks"
 * ```
 */
export function chapterSlug(path: string): string {
  return basename(path).replace(/\.ipynb$/, "");
}

/** The first non-blank line of a cell's source, trimmed and cut to `maxLength` characters. */
export function firstSourceLine(cell: Cell, maxLength = 100): string {
  const line = joinText(cell.source).split("\n").find((text) => text.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > maxLength ? `${trimmed.slice(0, maxLength - 1)}…` : trimmed;
}

/** The cell's tags (`metadata.tags`), or none. */
export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
}

// Select Graphic Rendition sequences, and the rarer cursor/erase ones a kernel may emit.
// deno-lint-ignore no-control-regex -- matching the escape character is the point
const ANSI_PATTERN = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * Removes ANSI escape sequences (terminal colours) from text.
 *
 * @example
 * ```ts
 * stripAnsi("\u001b[33m2\u001b[39m"); // "2"
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
