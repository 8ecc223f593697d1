/**
 * Keeps committed notebooks clean: no outputs, no execution counts, the Deno kernelspec,
 * no editor or widget state, and one canonical JSON layout (sorted keys, 1-space indent,
 * sources as line lists, trailing newline, stable cell ids), so that running a chapter
 * and saving it, then fixing it, diffs to nothing.
 *
 * ```sh
 * deno run -A tools/notebook_hygiene.ts            # --check: list unclean notebooks, exit 1 if any
 * deno run -A tools/notebook_hygiene.ts --fix      # rewrite them clean (deno task notebooks:clean)
 * deno run -A tools/notebook_hygiene.ts --check notebooks/01_intro.ipynb
 * ```
 *
 * @module
 */
import { relative } from "node:path";
import { NOTEBOOKS_DIR } from "./jupyter.ts";
import { enterInvocationDir } from "./invocation.ts";
import {
  type Cell,
  isRecord,
  joinText,
  listNotebooks,
  type Notebook,
  parseNotebook,
  splitLines,
} from "./notebook_json.ts";

/** The kernelspec every chapter declares. */
export const DENO_KERNELSPEC: Readonly<Record<string, string>> = Object.freeze({
  display_name: "Deno",
  language: "typescript",
  name: "deno",
});

/**
 * The language_info every chapter declares: what Deno's kernel reports, minus its
 * TypeScript version, which changes with every Deno upgrade.
 */
export const DENO_LANGUAGE_INFO: Readonly<Record<string, string>> = Object.freeze({
  codemirror_mode: "typescript",
  file_extension: ".ts",
  mimetype: "text/x.typescript",
  name: "typescript",
  nbconvert_exporter: "script",
  pygments_lexer: "typescript",
});

/** Cell metadata worth keeping: tags carry meaning (`raises-exception`); the rest is editor state. */
const KEPT_CELL_METADATA = new Set(["tags"]);

/** nbformat's rule for cell ids. */
const CELL_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** What {@link inspectNotebook} found. */
export interface HygieneReport {
  /** Why the notebook is not clean, one phrase each; empty when it is clean. */
  readonly issues: readonly string[];
  /** The notebook's clean text (equal to the input when there are no issues). */
  readonly fixed: string;
}

/**
 * Checks a notebook's text and computes its clean form.
 *
 * @param text The notebook file's contents.
 * @param name What to call the notebook in an error message.
 * @throws {SyntaxError|TypeError} if the text is not an nbformat 4 notebook.
 *
 * @example
 * ```ts
 * const { issues, fixed } = inspectNotebook(await Deno.readTextFile("notebooks/01_intro.ipynb"));
 * // issues: ["outputs in 3 code cells", "execution counts in 4 code cells"]
 * ```
 */
export function inspectNotebook(text: string, name = "notebook"): HygieneReport {
  const notebook = parseNotebook(text, name);
  const fixed = formatNotebookJson(normalizeNotebook(notebook));
  const issues = describeIssues(notebook);
  if (issues.length === 0 && fixed !== text) {
    issues.push(
      "JSON layout is not normalised (key order, indentation, line lists or final newline)",
    );
  }
  return { issues, fixed };
}

/**
 * A notebook's clean text (see {@link inspectNotebook}).
 *
 * @throws {SyntaxError|TypeError} if the text is not an nbformat 4 notebook.
 */
export function fixNotebookText(text: string, name = "notebook"): string {
  return inspectNotebook(text, name).fixed;
}

/**
 * The clean form of a notebook: outputs and execution counts removed, Deno's kernelspec and
 * language_info, cell metadata reduced to tags, sources as line lists, and every cell with a
 * valid, unique id (kept when it has one, derived from its position and source otherwise).
 */
export function normalizeNotebook(notebook: Notebook): Notebook {
  const used = new Set<string>();
  const ids = notebook.cells.map((cell) => {
    const id = typeof cell.id === "string" && CELL_ID_PATTERN.test(cell.id) && !used.has(cell.id)
      ? cell.id
      : undefined;
    if (id !== undefined) used.add(id);
    return id;
  });
  const cells = notebook.cells.map((cell, index) => {
    const id = ids[index] ?? derivedId(index, cell, used);
    used.add(id);
    return normalizeCell(cell, id);
  });
  return {
    cells,
    metadata: { kernelspec: { ...DENO_KERNELSPEC }, language_info: { ...DENO_LANGUAGE_INFO } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/**
 * Serialises JSON the way Jupyter saves notebooks: keys sorted at every level, 1-space
 * indent, non-ASCII kept as is, and a final newline.
 *
 * @example
 * ```ts
 * formatNotebookJson({ b: 1, a: [] }); // '{\n "a": [],\n "b": 1\n}\n'
 * ```
 */
export function formatNotebookJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 1)}\n`;
}

function normalizeCell(cell: Cell, id: string): Cell {
  const metadata: Record<string, unknown> = {};
  const tags = cell.metadata?.tags;
  if (Array.isArray(tags) && tags.length > 0) metadata.tags = tags;
  // A raw cell's format says how exporters should treat it: content, not editor state.
  if (cell.cell_type === "raw" && typeof cell.metadata?.format === "string") {
    metadata.format = cell.metadata.format;
  }
  const base = {
    cell_type: cell.cell_type,
    id,
    metadata,
    source: splitLines(joinText(cell.source)),
  };
  if (cell.cell_type === "code") return { ...base, execution_count: null, outputs: [] };
  if (cell.cell_type === "markdown" && isRecord(cell.attachments)) {
    if (Object.keys(cell.attachments).length > 0) {
      return { ...base, attachments: cell.attachments };
    }
  }
  return base;
}

function describeIssues(notebook: Notebook): string[] {
  const issues: string[] = [];
  const code = notebook.cells.filter((cell) => cell.cell_type === "code");
  const withOutputs = code.filter((cell) => (cell.outputs?.length ?? 0) > 0).length;
  if (withOutputs > 0) issues.push(`outputs in ${plural(withOutputs, "code cell")}`);
  const counted =
    code.filter((cell) => cell.execution_count !== null && cell.execution_count !== undefined)
      .length;
  if (counted > 0) issues.push(`execution counts in ${plural(counted, "code cell")}`);

  const { kernelspec, language_info: languageInfo, ...otherMetadata } = notebook.metadata;
  const kernelName = isRecord(kernelspec) ? kernelspec.name : undefined;
  if (kernelspec === undefined) {
    issues.push(`no kernelspec (expected "deno")`);
  } else if (kernelName !== "deno") {
    issues.push(`kernelspec is ${JSON.stringify(kernelName ?? null)}, not "deno"`);
  } else if (!sameJson(kernelspec, DENO_KERNELSPEC)) {
    issues.push("kernelspec differs from Deno's");
  }
  if (languageInfo === undefined) {
    issues.push("no language_info");
  } else if (!sameJson(languageInfo, DENO_LANGUAGE_INFO)) {
    const version = isRecord(languageInfo) ? languageInfo.version : undefined;
    issues.push(
      version === undefined
        ? "language_info differs from Deno's"
        : `language_info differs from Deno's (it records version ${JSON.stringify(version)})`,
    );
  }
  const extraKeys = Object.keys(otherMetadata).sort();
  if (extraKeys.length > 0) issues.push(`notebook metadata has ${extraKeys.join(", ")}`);

  const stateKeys = new Set<string>();
  let cellsWithState = 0;
  for (const cell of notebook.cells) {
    const keys = Object.keys(cell.metadata ?? {}).filter((key) =>
      !KEPT_CELL_METADATA.has(key) && !(cell.cell_type === "raw" && key === "format")
    );
    if (keys.length > 0) cellsWithState++;
    for (const key of keys) stateKeys.add(key);
  }
  if (cellsWithState > 0) {
    issues.push(
      `cell metadata has ${[...stateKeys].sort().join(", ")} in ${plural(cellsWithState, "cell")}`,
    );
  }

  const seen = new Set<string>();
  let badIds = 0;
  for (const cell of notebook.cells) {
    if (typeof cell.id !== "string" || !CELL_ID_PATTERN.test(cell.id) || seen.has(cell.id)) {
      badIds++;
    } else {
      seen.add(cell.id);
    }
  }
  if (badIds > 0) issues.push(`${plural(badIds, "cell")} without a valid, unique id`);
  if (notebook.nbformat_minor !== 5) {
    issues.push(`nbformat 4.${notebook.nbformat_minor} (expected 4.5)`);
  }
  return issues;
}

function derivedId(index: number, cell: Cell, used: ReadonlySet<string>): string {
  // Derived from content, not random, so fixing twice or on two machines gives one answer.
  let seed = `${index}\u0000${joinText(cell.source)}`;
  for (;;) {
    const id = fnv1a(seed).toString(16).padStart(8, "0");
    if (!used.has(id)) return id;
    seed += "\u0000";
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Options for {@link runHygiene}. */
export interface HygieneOptions {
  /** Rewrite unclean notebooks instead of only listing them. Default false. */
  readonly fix?: boolean;
  /** Where messages go. Default: standard error. */
  readonly log?: (line: string) => void;
}

/**
 * Checks (or fixes) notebook files and reports each unclean one.
 *
 * @returns How many notebooks were unclean (when checking) or unreadable.
 */
export async function runHygiene(
  paths: readonly string[],
  options: HygieneOptions = {},
): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(line));
  let failures = 0;
  for (const path of paths) {
    const shown = relative(Deno.cwd(), path) || path;
    let report: HygieneReport;
    try {
      report = inspectNotebook(await Deno.readTextFile(path), shown);
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      failures++;
      continue;
    }
    if (report.issues.length === 0) continue;
    if (options.fix) {
      await Deno.writeTextFile(path, report.fixed);
      log(`fixed ${shown}: ${report.issues.join("; ")}`);
    } else {
      log(`${shown}: ${report.issues.join("; ")}`);
      failures++;
    }
  }
  return failures;
}

if (import.meta.main) {
  enterInvocationDir();
  const args = Deno.args.filter((arg) => arg !== "--check" && arg !== "--fix");
  const unknown = args.find((arg) => arg.startsWith("-"));
  if (unknown !== undefined) {
    console.error(
      `Cannot run notebook hygiene: unknown option ${unknown} (use --check or --fix, then paths)`,
    );
    Deno.exit(2);
  }
  const fix = Deno.args.includes("--fix");
  const paths = args.length > 0 ? args : await listNotebooks(NOTEBOOKS_DIR);
  const failures = await runHygiene(paths, { fix });
  if (failures > 0) {
    if (!fix) console.error("Run `deno task notebooks:clean` to fix them.");
    Deno.exit(1);
  }
}
