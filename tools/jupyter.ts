/**
 * Running Jupyter from Deno: finding it, the kernelspecs, and executing a notebook through
 * the real Deno kernel into a temporary copy, with a failing cell turned into a short,
 * readable report.
 *
 * Execution goes through `jupyter nbconvert` with the preprocessor in `deno_execute.py`
 * beside this file; that module explains why plain `--execute` is not enough.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Cell,
  cellTags,
  chapterSlug,
  type ErrorOutput,
  firstSourceLine,
  type Notebook,
  parseNotebook,
  stripAnsi,
} from "./notebook_json.ts";

/** The repository's root folder. */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the chapters live. */
export const NOTEBOOKS_DIR: string = join(REPO_ROOT, "notebooks");

/** The project's own Python virtual environment, which `deno task setup` creates when needed. */
export const VENV_DIR: string = join(REPO_ROOT, ".venv");

/** What `deno task setup` installs into {@link VENV_DIR} with pip. */
export const VENV_PACKAGES: readonly string[] = ["jupyterlab", "notebook", "nbconvert", "nbclient"];

/** How to install what the notebook tests and the exporter need, one command per line. */
export const JUPYTER_INSTALL_HELP: string = [
  "Install Python 3 (with its venv module) and run this again: `deno task setup` then puts",
  "JupyterLab and nbconvert in .venv/ with pip. Or install Jupyter yourself, with pip or apt:",
  "  pip install jupyterlab nbconvert nbclient",
  "  apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client",
].join("\n");

/**
 * The `jupyter` program the tools run: the project's `.venv/bin/jupyter` when setup
 * created it, else `jupyter` from the PATH.
 */
export function jupyterProgram(): string {
  const inVenv = join(VENV_DIR, "bin", "jupyter");
  try {
    if (Deno.statSync(inVenv).isFile) return inVenv;
  } catch {
    // No virtual environment: Jupyter comes from the PATH.
  }
  return "jupyter";
}

/** What a finished command printed and returned. */
export interface CommandOutput {
  /** Exit code; 127 when the program was not found. */
  readonly code: number;
  /** Standard output, decoded. */
  readonly stdout: string;
  /** Standard error, decoded. */
  readonly stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory. Default: the current one. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
}

/**
 * Runs a program to completion and collects its output. A program that is not installed
 * yields code 127 (as a shell would) instead of throwing.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runCommand("jupyter", ["nbconvert", "--version"]);
 * ```
 */
export async function runCommand(
  program: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  try {
    const output = await new Deno.Command(program, {
      args: [...args],
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${program}: command not found` };
    }
    throw error;
  }
}

/** The installed nbconvert's version ("6.5.3"), or null when `jupyter nbconvert` is missing. */
export async function nbconvertVersion(): Promise<string | null> {
  const { code, stdout } = await runCommand(jupyterProgram(), ["nbconvert", "--version"]);
  return code === 0 ? stdout.trim() : null;
}

/** A registered kernel, as `jupyter kernelspec list --json` describes it. */
export interface KernelSpec {
  /** Folder holding kernel.json. */
  readonly resource_dir: string;
  /** The kernel.json contents. */
  readonly spec: { readonly argv: readonly string[]; readonly display_name?: string };
}

/**
 * The registered kernels by name.
 *
 * @throws {Error} if `jupyter kernelspec list` fails.
 */
export async function kernelSpecs(): Promise<Record<string, KernelSpec>> {
  const { code, stdout, stderr } = await runCommand(jupyterProgram(), [
    "kernelspec",
    "list",
    "--json",
  ]);
  if (code !== 0) {
    throw new Error(`Cannot list Jupyter kernels: ${lastLines(stripAnsi(stderr), 3)}`);
  }
  const parsed = JSON.parse(stdout) as { kernelspecs?: Record<string, KernelSpec> };
  return parsed.kernelspecs ?? {};
}

/** A code cell that raised while a notebook ran. */
export interface CellFailure {
  /** The notebook, as messages name it (its path or file name). */
  readonly path: string;
  /** Position of the cell in the notebook's cell list (0-based, markdown cells included). */
  readonly cellIndex: number;
  /** The first non-blank line of the cell's source. */
  readonly firstLine: string;
  /** The exception's name ("TypeError"). */
  readonly ename: string;
  /** The exception's message. */
  readonly evalue: string;
  /** The last lines of the kernel's traceback, without colours. */
  readonly tracebackTail: readonly string[];
}

/** How many traceback lines a failure report keeps. */
const TRACEBACK_TAIL_LINES = 8;

/**
 * The first code cell of an executed notebook whose outputs hold an error, unless the cell
 * is tagged `raises-exception` (a deliberate error the chapter shows); null when none.
 */
export function findCellFailure(notebook: Notebook, path: string): CellFailure | null {
  for (const [cellIndex, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "code" || cellTags(cell).includes("raises-exception")) continue;
    const error = cell.outputs?.find((output): output is ErrorOutput =>
      output.output_type === "error"
    );
    if (error) return describeFailure(path, cellIndex, cell, error);
  }
  return null;
}

function describeFailure(
  path: string,
  cellIndex: number,
  cell: Cell,
  error: ErrorOutput,
): CellFailure {
  const ename = stripAnsi(String(error.ename ?? "Error"));
  const evalue = stripAnsi(String(error.evalue ?? ""));
  const header = evalue ? `${ename}: ${evalue}` : ename;
  const lines = (error.traceback ?? [])
    .flatMap((entry) => stripAnsi(String(entry)).split("\n"))
    .filter((line) => line.trim() !== "" && line.trim() !== header && line !== "Stack trace:");
  return {
    path,
    cellIndex,
    firstLine: firstSourceLine(cell),
    ename,
    evalue,
    tracebackTail: lines.slice(-TRACEBACK_TAIL_LINES),
  };
}

/**
 * A failure as a few lines: file, cell index and first line, then the error and the tail of
 * its traceback.
 *
 * @example
 * ```ts
 * formatCellFailure(failure);
 * // Cannot run 01_intro.ipynb: cell 4 failed (first line: `const sim = new Simulation({`)
 * // RangeError: seed must be an integer
 * //     at <anonymous>:3:9
 * ```
 */
export function formatCellFailure(failure: CellFailure): string {
  const header = failure.evalue ? `${failure.ename}: ${failure.evalue}` : failure.ename;
  return [
    `Cannot run ${failure.path}: cell ${failure.cellIndex} failed (first line: \`${failure.firstLine}\`)`,
    header,
    ...failure.tracebackTail.map((line) =>
      /^\s/.test(line) ? line.trimEnd() : `  ${line.trimEnd()}`
    ),
  ].join("\n");
}

/** A notebook that could not be executed, or whose cell failed. */
export class NotebookExecutionError extends Error {
  /** The failing cell, when a cell failed (null when Jupyter itself failed). */
  readonly failure: CellFailure | null;

  /** Wraps a cell failure, or a message about Jupyter itself. */
  constructor(failureOrMessage: CellFailure | string) {
    super(
      typeof failureOrMessage === "string" ? failureOrMessage : formatCellFailure(failureOrMessage),
    );
    this.name = "NotebookExecutionError";
    this.failure = typeof failureOrMessage === "string" ? null : failureOrMessage;
  }
}

/** Options for {@link executeNotebook}. */
export interface ExecuteNotebookOptions {
  /** Longest one cell may run, in ms. Default 300,000 (5 minutes). */
  readonly cellTimeoutMs?: number;
  /** Longest the kernel may take to start, in ms. Default 120,000. */
  readonly startupTimeoutMs?: number;
  /** Kernel to run, whatever the notebook's metadata says. Default "deno". */
  readonly kernelName?: string;
  /** How to call the notebook in messages. Default: its path as given. */
  readonly displayName?: string;
}

/** A notebook after a run through the kernel. */
export interface ExecutedNotebook {
  /** The notebook's path, as given. */
  readonly path: string;
  /** The executed notebook, outputs included. */
  readonly notebook: Notebook;
  /** The first failing cell, or null if every cell ran. */
  readonly failure: CellFailure | null;
  /** Wall time of the whole run, kernel start included, in ms. */
  readonly durationMs: number;
  /**
   * Outputs that a standard client (nbconvert, JupyterLab, VS Code) would have lost or shown
   * under the wrong cell; the executor files those that came late under their own cell.
   */
  readonly strayOutputs: readonly StrayOutput[];
}

/** An output that did not arrive while its cell was running. */
export interface StrayOutput {
  /** The index of the cell whose request it carried. */
  readonly cell: number;
  /** The message that carried it: `display_data`, `stream`, `execute_result`, ... */
  readonly messageType: string;
  /**
   * `after-finish`: it came after the cell had reported itself finished (`idle`).
   * `before-start`: it came before the cell's code was sent to run (`execute_input`), so it
   * was an earlier cell's output stamped with this cell's request.
   */
  readonly when: "after-finish" | "before-start";
}

/** Where deno_execute.py lists stray outputs in the executed notebook's metadata. */
const STRAY_OUTPUTS_KEY = "deno_execute_stray_outputs";

/** Takes the executor's list of stray outputs out of an executed notebook's metadata. */
export function takeStrayOutputs(notebook: Notebook): StrayOutput[] {
  const listed = notebook.metadata[STRAY_OUTPUTS_KEY];
  delete notebook.metadata[STRAY_OUTPUTS_KEY];
  if (!Array.isArray(listed)) return [];
  return listed.map((entry: { cell?: unknown; msg_type?: unknown; when?: unknown }) => ({
    cell: Number(entry.cell),
    messageType: String(entry.msg_type),
    when: entry.when === "before-start" ? "before-start" : "after-finish",
  }));
}

/**
 * Executes a notebook through the real kernel, with the notebook's folder as the working
 * directory (so `../lib/mod.ts` and the repository's deno.json resolve), into a temporary
 * copy that is read back and deleted. The original file is not touched.
 *
 * Execution stops at the first failing cell; the result then names it in `failure`.
 *
 * @throws {NotebookExecutionError} if Jupyter cannot run the notebook at all (kernel
 *   missing, nbconvert crash).
 */
export async function executeNotebook(
  path: string,
  options: ExecuteNotebookOptions = {},
): Promise<ExecutedNotebook> {
  const cellTimeoutMs = options.cellTimeoutMs ?? 300_000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;
  const displayName = options.displayName ?? path;
  if (!(cellTimeoutMs > 0) || !(startupTimeoutMs > 0)) {
    throw new RangeError(
      `Cannot execute ${displayName}: timeouts must be positive, got ${cellTimeoutMs} and ${startupTimeoutMs}`,
    );
  }
  const absolute = resolve(path);
  const outDir = await Deno.makeTempDir({ prefix: "notebook_run_" });
  const started = performance.now();
  try {
    const toolsDir = dirname(fileURLToPath(import.meta.url));
    const pythonPath = [toolsDir, Deno.env.get("PYTHONPATH")].filter(Boolean).join(":");
    const result = await runCommand(jupyterProgram(), [
      "nbconvert",
      "--to",
      "notebook",
      "--NotebookExporter.preprocessors=deno_execute.DenoExecutePreprocessor",
      `--ExecutePreprocessor.kernel_name=${options.kernelName ?? "deno"}`,
      `--ExecutePreprocessor.timeout=${Math.ceil(cellTimeoutMs / 1000)}`,
      `--ExecutePreprocessor.startup_timeout=${Math.ceil(startupTimeoutMs / 1000)}`,
      "--output-dir",
      outDir,
      "--output",
      "executed",
      absolute,
    ], { cwd: dirname(absolute), env: { PYTHONPATH: pythonPath } });
    if (result.code !== 0) {
      const stderr = stripAnsi(result.stderr).trimEnd();
      const why = result.code === 127
        ? `Jupyter is not installed.\n${JUPYTER_INSTALL_HELP}`
        : `${lastLines(stderr, 1) || `jupyter nbconvert exited with code ${result.code}`}${
          /NoSuchKernel/.test(stderr) ? " (run `deno task setup` to register it)" : ""
        }\n\njupyter nbconvert exited with code ${result.code}; its output ends with:\n${
          lastLines(stderr, 12)
        }`;
      throw new NotebookExecutionError(`Cannot execute ${displayName}: ${why}`);
    }
    const notebook = parseNotebook(
      await Deno.readTextFile(join(outDir, "executed.ipynb")),
      `the executed copy of ${displayName}`,
    );
    const strayOutputs = takeStrayOutputs(notebook);
    return {
      path,
      notebook,
      failure: findCellFailure(notebook, displayName),
      durationMs: performance.now() - started,
      strayOutputs,
    };
  } finally {
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Maps `fn` over `items` with at most `limit` calls in flight, keeping the input order.
 *
 * @example
 * ```ts
 * const runs = await mapLimit(paths, 2, (path) => executeNotebook(path));
 * ```
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot map with a limit of ${limit}: the limit must be an integer >= 1`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A chapter's file name (`01_intro.ipynb`) for messages. */
export function chapterFileName(path: string): string {
  return `${chapterSlug(path)}.ipynb`;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}
