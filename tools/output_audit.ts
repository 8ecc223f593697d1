/**
 * Audits how the chapters' outputs reach a standard Jupyter client: every chapter is
 * executed with plain `jupyter nbconvert --execute` (nbclient, as JupyterLab's and VS
 * Code's kernels are driven: a cell is finished when the kernel reports it idle) several
 * times, and each cell's outputs are compared with those of the project's executor
 * (`tools/deno_execute.py`, which files every message by its parent request, however
 * late). A cell whose output is absent under the standard client counts as missing; an
 * output that the executor puts in another cell, or a result stamped with another
 * execution count, counts as misfiled.
 *
 * ```sh
 * deno task audit:outputs                 # every chapter, 3 runs
 * deno task audit:outputs --runs 5 00 02  # chapters 00 and 02, 5 runs
 * ```
 *
 * Exits 1 when an output is missing or misfiled, or a cell's output is its value (which the
 * kernel may send late: end the cell with `await show(...)`), and prints which.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { executeNotebook, jupyterProgram, mapLimit, NOTEBOOKS_DIR, runCommand } from "./jupyter.ts";
import { selectChapters } from "./export.ts";
import { enterInvocationDir } from "./invocation.ts";
import {
  type Cell,
  chapterSlug,
  firstSourceLine,
  joinText,
  listNotebooks,
  type Notebook,
  type Output,
  parseNotebook,
  stripAnsi,
} from "./notebook_json.ts";

/**
 * What identifies an output across runs: its type, its MIME types and the first line of
 * its text with digits masked (timings differ from run to run; titles and claims do not).
 */
export function outputKey(output: Output): string {
  if (output.output_type === "stream") return `stream:${output.name}`;
  if (output.output_type === "error") return `error:${stripAnsi(output.ename)}`;
  const mimes = Object.keys(output.data).sort().join(",");
  const text = stripAnsi(joinText(output.data["text/plain"] as string[] | string | undefined));
  const firstLine = (text.split("\n")[0] ?? "").replace(/\d+/g, "#").slice(0, 80);
  return `${output.output_type}:${mimes}:${firstLine}`;
}

/** The keys of a cell's outputs, consecutive stream chunks merged (they split anywhere). */
export function cellOutputKeys(cell: Cell): string[] {
  const keys: string[] = [];
  for (const output of cell.outputs ?? []) {
    const key = outputKey(output);
    if (key.startsWith("stream:") && keys.at(-1) === key) continue;
    keys.push(key);
  }
  return keys;
}

/** One cell whose outputs under the standard client differ from the executor's. */
export interface OutputDifference {
  /** The cell's index in the notebook. */
  readonly cellIndex: number;
  /** The cell's first line. */
  readonly firstLine: string;
  /** "missing" (an output the executor shows is absent) or "misfiled". */
  readonly kind: "missing" | "misfiled";
  /** The output concerned. */
  readonly output: string;
}

/**
 * Compares each code cell of `candidate` (run by a standard client) with the same cell of
 * `reference` (run by the project's executor): outputs missing from the candidate, outputs
 * it has that the reference cell has not, and results whose execution count is not their
 * cell's.
 */
export function compareOutputs(reference: Notebook, candidate: Notebook): OutputDifference[] {
  const differences: OutputDifference[] = [];
  for (const [cellIndex, cell] of reference.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const other = candidate.cells[cellIndex];
    const expected = cellOutputKeys(cell);
    const actual = other === undefined ? [] : cellOutputKeys(other);
    const note = (kind: OutputDifference["kind"], output: string) =>
      differences.push({ cellIndex, firstLine: firstSourceLine(cell, 60), kind, output });
    const remaining = [...actual];
    for (const key of expected) {
      const at = remaining.indexOf(key);
      if (at === -1) note("missing", key);
      else remaining.splice(at, 1);
    }
    for (const key of remaining) note("misfiled", key);
    for (const output of other?.outputs ?? []) {
      if (
        output.output_type === "execute_result" &&
        output.execution_count !== other?.execution_count
      ) {
        note("misfiled", `${outputKey(output)} (execution count ${output.execution_count})`);
      }
    }
  }
  return differences;
}

/**
 * Executes a notebook with the standard client, `jupyter nbconvert --to notebook
 * --execute`, into a temporary copy that is read back and deleted.
 *
 * @throws {Error} when nbconvert fails (a cell raised, or the kernel did not start).
 */
export async function executeStandard(path: string): Promise<Notebook> {
  const absolute = resolve(path);
  const outDir = await Deno.makeTempDir({ prefix: "standard_run_" });
  try {
    const result = await runCommand(jupyterProgram(), [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=600",
      "--output-dir",
      outDir,
      "--output",
      "executed",
      absolute,
    ], { cwd: dirname(absolute) });
    if (result.code !== 0) {
      const tail = stripAnsi(result.stderr).trimEnd().split("\n").slice(-6).join("\n");
      throw new Error(`Cannot execute ${basename(path)} with nbconvert --execute:\n${tail}`);
    }
    return parseNotebook(await Deno.readTextFile(join(outDir, "executed.ipynb")), path);
  } finally {
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
  }
}

/** Options for {@link auditOutputs}. */
export interface AuditOptions {
  /** Chapters (numbers, slugs or paths). Default: all in `notebooks/`. */
  readonly chapters?: readonly string[];
  /** Standard-client runs per chapter. Default 3. */
  readonly runs?: number;
  /** Runs at once. Default 2. */
  readonly concurrency?: number;
  /** Where progress lines go. Default: standard error. */
  readonly log?: (line: string) => void;
}

/** What {@link auditOutputs} found for one chapter. */
export interface ChapterAudit {
  /** The chapter's slug. */
  readonly slug: string;
  /** Code cells in the chapter. */
  readonly codeCells: number;
  /** Outputs the executor shows, per run. */
  readonly outputs: number;
  /** Standard-client runs. */
  readonly runs: number;
  /** Every difference, over all runs, with the run's number. */
  readonly differences: readonly (OutputDifference & { readonly run: number })[];
  /**
   * Code cells whose output is their value (an `execute_result`, under the executor): the
   * kernel sends a value late, so these are the outputs at risk. Each "cell N (first line)".
   */
  readonly values: readonly string[];
}

/** Executes the chapters with both clients and compares them cell by cell. */
export async function auditOutputs(options: AuditOptions = {}): Promise<ChapterAudit[]> {
  const log = options.log ?? ((line: string) => console.error(line));
  const runs = options.runs ?? 3;
  const paths = await listNotebooks(NOTEBOOKS_DIR);
  const chosen = selectChapters(paths, options.chapters ?? [], NOTEBOOKS_DIR).map((i) =>
    paths[i] as string
  );
  const jobs = chosen.flatMap((path) =>
    Array.from({ length: runs + 1 }, (_, run) => ({ path, run }))
  );
  const results = await mapLimit(jobs, options.concurrency ?? 2, async ({ path, run }) => {
    if (run === 0) {
      const executed = await executeNotebook(path, { displayName: basename(path) });
      if (executed.failure) throw new Error(`Cannot audit ${basename(path)}: a cell failed`);
      return executed.notebook;
    }
    const notebook = await executeStandard(path);
    log(`audit: ${chapterSlug(path)}: standard run ${run} done`);
    return notebook;
  });
  return chosen.map((path) => {
    const own = results.filter((_, i) => jobs[i]!.path === path);
    const reference = own[0] as Notebook;
    const differences = own.slice(1).flatMap((notebook, run) =>
      compareOutputs(reference, notebook).map((difference) => ({ ...difference, run: run + 1 }))
    );
    const codeCells = reference.cells.filter((cell) => cell.cell_type === "code");
    const values = [...reference.cells.entries()]
      .filter(([, cell]) => cell.outputs?.some((o) => o.output_type === "execute_result"))
      .map(([index, cell]) => `cell ${index} (${firstSourceLine(cell, 60)})`);
    return {
      slug: chapterSlug(path),
      codeCells: codeCells.length,
      values,
      outputs: codeCells.reduce((total, cell) => total + cellOutputKeys(cell).length, 0),
      runs,
      differences,
    };
  });
}

function parseAuditArgs(args: readonly string[]): { runs: number; chapters: string[] } {
  let runs = 3;
  const chapters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--runs") {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 1) {
        throw new RangeError(`Cannot parse --runs ${args[i]}: expected a whole number >= 1`);
      }
    } else if (arg.startsWith("-")) {
      throw new RangeError(`Cannot parse ${arg}: unknown option (use --runs N, then chapters)`);
    } else {
      chapters.push(arg);
    }
  }
  return { runs, chapters };
}

if (import.meta.main) {
  enterInvocationDir();
  let args;
  try {
    args = parseAuditArgs(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  const audits = await auditOutputs(args);
  let missing = 0, misfiled = 0, outputs = 0, values = 0;
  for (const audit of audits) {
    const m = audit.differences.filter((d) => d.kind === "missing").length;
    const f = audit.differences.length - m;
    missing += m;
    misfiled += f;
    outputs += audit.outputs * audit.runs;
    values += audit.values.length;
    console.log(
      `${audit.slug}: ${audit.outputs} outputs in ${audit.codeCells} code cells × ${audit.runs} runs: ${m} missing, ${f} misfiled, ${audit.values.length} cell values`,
    );
    for (const value of audit.values) console.log(`  value (end it with await show): ${value}`);
    for (const d of audit.differences) {
      console.log(`  run ${d.run}, cell ${d.cellIndex} (${d.firstLine}): ${d.kind} ${d.output}`);
    }
  }
  console.log(
    `total: ${outputs} outputs checked: ${missing} missing, ${misfiled} misfiled, ${values} cell values`,
  );
  Deno.exit(missing + misfiled + values === 0 ? 0 : 1);
}
