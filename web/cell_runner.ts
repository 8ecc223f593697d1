/**
 * The state of one chapter running in a page: its cells, the shared scope they define, and
 * which cells have run. {@link CellRunner.run} runs one cell (possibly edited) after the
 * earlier cells it needs, each of those once, and reports outputs, console text, progress,
 * errors and timing through a callback. web/worker.ts wires it to the page; tests drive it
 * directly.
 *
 * @module
 */
import type { ProgressState } from "../lib/experiments/progress.ts";
import {
  CellError,
  type CellLocation,
  cellsNeeded,
  errorLocation,
  formatCellError,
  type ModuleLookup,
  runCell,
  transformCell,
  type TransformedCell,
} from "./cell_transform.ts";
import { type MimeBundle, setPageSink } from "./host/page_sink.ts";
import { inspect } from "./inspect.ts";
import type { FromWorker, PageCell, RunError } from "./messages.ts";

/** Options for {@link CellRunner}. */
export interface CellRunnerOptions {
  /** The library's modules by path ("lib/mod.ts"). */
  readonly modules: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Receives every message of a run. */
  readonly post: (message: FromWorker) => void;
  /** A wall clock in ms, for run times. Default `performance.now`. */
  readonly clock?: () => number;
  /** Fewest ms between two progress messages of a running sweep. Default 50. */
  readonly progressEveryMs?: number;
}

const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** Runs a chapter's cells in one shared scope (see the module documentation). */
export class CellRunner {
  readonly #options: CellRunnerOptions;
  readonly #lookup: ModuleLookup;
  readonly #paths: readonly string[];
  #cells: readonly PageCell[] = [];
  /** Transformed cells by index and source (a cell edited in the page is another entry). */
  readonly #transformed = new Map<string, TransformedCell>();
  /** The source each cell that has run last ran with, by notebook index. */
  readonly #ran = new Map<number, string>();
  /** The names every cell run so far has defined. */
  readonly scope: Record<string, unknown> = {};

  /** A runner with no cells; {@link CellRunner.load} gives it the chapter's. */
  constructor(options: CellRunnerOptions) {
    this.#options = options;
    this.#paths = Object.keys(options.modules);
    this.#lookup = (path) => options.modules[path];
  }

  /** Sets the chapter's code cells (in notebook order). */
  load(cells: readonly PageCell[]): void {
    this.#cells = cells;
    this.#transformed.clear();
  }

  /** Notebook indices of the cells that have run in this runner. */
  get ran(): readonly number[] {
    return [...this.#ran.keys()].sort((a, b) => a - b);
  }

  /**
   * Runs the cell at notebook index `index` with `source` (default: its source as loaded),
   * after the earlier cells it needs that have not run yet, or that ran with other code than
   * they now have: `edits` gives the page's current code of cells edited there, by index.
   * Resolves when the run is over; everything it produced went to `post`, ending with a
   * `done` message.
   */
  async run(
    runId: number,
    index: number,
    source?: string,
    edits: Readonly<Record<number, string>> = {},
  ): Promise<void> {
    const clock = this.#options.clock ?? (() => performance.now());
    const post = this.#options.post;
    const started = clock();
    const ranFirst: number[] = [];
    let cellMs = 0;
    const finish = (ok: boolean) =>
      post({ type: "done", runId, ok, ms: clock() - started, cellMs, ranFirst });

    const cells = this.#cells.map((cell) => ({
      index: cell.index,
      source: edits[cell.index] ?? cell.source,
    }));
    const cellSource = source ?? cells.find((cell) => cell.index === index)?.source;
    if (cellSource === undefined) {
      post({
        type: "error",
        runId,
        error: plainError(index, `Cannot run cell ${index}: the page has no such code cell`),
      });
      return finish(false);
    }
    let target: TransformedCell;
    let earlier: number[];
    try {
      target = transformCell(cellSource, { modules: this.#paths });
      const before = cells.filter((cell) => cell.index < index);
      const names = before.map((cell) => this.#transform(cell));
      earlier = cellsNeeded(names, names.length, target.uses)
        .map((position) => before[position]!)
        .filter((cell) => this.#ran.get(cell.index) !== cell.source)
        .map((cell) => cell.index);
    } catch (error) {
      const failing = this.#failingIndex(error, index);
      const failingSource = failing === index
        ? cellSource
        : cells.find((cell) => cell.index === failing)?.source;
      post({ type: "error", runId, error: describeError(error, failing, failingSource) });
      return finish(false);
    }

    // Earlier cells run quietly: their outputs are already on the page.
    if (earlier.length > 0) {
      post({
        type: "status",
        runId,
        text: `running ${earlier.length} earlier cell${earlier.length === 1 ? "" : "s"} first`,
      });
    }
    for (const cellIndex of earlier) {
      const cell = cells.find((c) => c.index === cellIndex)!;
      try {
        await this.#execute(this.#transform(cell), cellIndex, () => {}, undefined);
        this.#ran.set(cellIndex, cell.source);
        ranFirst.push(cellIndex);
      } catch (error) {
        post({
          type: "error",
          runId,
          error: describeError(error, cellIndex, cell.source, `cell-${cellIndex}.ts`),
        });
        return finish(false);
      }
    }

    post({ type: "status", runId, text: "running" });
    const cellStarted = clock();
    try {
      const value = await this.#execute(target, index, (message) => post(message), runId);
      this.#ran.set(index, cellSource);
      if (value !== undefined) post({ type: "display", runId, bundle: await valueBundle(value) });
      cellMs = clock() - cellStarted;
    } catch (error) {
      cellMs = clock() - cellStarted;
      post({
        type: "error",
        runId,
        error: describeError(error, index, cellSource, sourceName(index)),
      });
      return finish(false);
    }
    finish(true);
  }

  #transform(cell: PageCell): TransformedCell {
    const key = `${cell.index}\u0000${cell.source}`;
    let transformed = this.#transformed.get(key);
    if (transformed === undefined) {
      try {
        transformed = transformCell(cell.source, { modules: this.#paths });
      } catch (error) {
        if (error instanceof Error) {
          (error as Error & { cellIndex?: number }).cellIndex = cell.index;
        }
        throw error;
      }
      this.#transformed.set(key, transformed);
    }
    return transformed;
  }

  #failingIndex(error: unknown, fallback: number): number {
    return (error as { cellIndex?: number }).cellIndex ?? fallback;
  }

  /** Runs one cell with the page sink and the console pointed at `forward` (or nowhere). */
  async #execute(
    cell: TransformedCell,
    index: number,
    forward: (message: FromWorker) => void,
    runId: number | undefined,
  ): Promise<unknown> {
    const id = runId ?? -1;
    const every = this.#options.progressEveryMs ?? 50;
    const clock = this.#options.clock ?? (() => performance.now());
    let lastProgressMs = -Infinity;
    setPageSink({
      display: (bundle) => forward({ type: "display", runId: id, bundle }),
      progress: (state: ProgressState) => {
        const now = clock();
        if (state.status === "running" && state.done > 0 && now - lastProgressMs < every) return;
        lastProgressMs = now;
        forward({ type: "progress", runId: id, state });
      },
    });
    const restore = redirectConsole((name, text) =>
      forward({ type: "stream", runId: id, name, text })
    );
    try {
      return await runCell(cell, {
        scope: this.scope,
        modules: this.#lookup,
        sourceName: sourceName(index),
      });
    } finally {
      restore();
      setPageSink(undefined);
    }
  }
}

function sourceName(index: number): string {
  return `cell-${index}.ts`;
}

/** The MIME bundle a cell's value shows as: its own Jupyter display, else plain text. */
export async function valueBundle(value: unknown): Promise<MimeBundle> {
  if (typeof value === "object" && value !== null) {
    const display = (value as Record<symbol, unknown>)[JUPYTER_DISPLAY];
    if (typeof display === "function") {
      return await (display.call(value) as MimeBundle | Promise<MimeBundle>);
    }
  }
  return { "text/plain": inspect(value) };
}

function plainError(index: number, message: string): RunError {
  return { ename: "Error", evalue: message, text: `Error: ${message}`, index };
}

function describeError(
  error: unknown,
  index: number,
  source?: string,
  name?: string,
): RunError {
  if (!(error instanceof Error)) {
    const text = `Uncaught ${inspect(error)}`;
    return { ename: "Error", evalue: text, text, index };
  }
  const location: CellLocation | undefined = error instanceof CellError
    ? error.location
    : (error as { cellLocation?: CellLocation }).cellLocation ??
      (name ? errorLocation(error, name) : undefined);
  return {
    ename: error.name,
    evalue: error.message,
    text: formatCellError(error.name, error.message, source ?? "", location),
    index,
    ...(location ? { line: location.line } : {}),
    ...(location?.column === undefined ? {} : { column: location.column }),
  };
}

type ConsoleMethod = "log" | "info" | "debug" | "warn" | "error";

/** Sends console text to `write` until the returned function is called. */
function redirectConsole(write: (name: "stdout" | "stderr", text: string) => void): () => void {
  const methods: ConsoleMethod[] = ["log", "info", "debug", "warn", "error"];
  const saved = methods.map((method) => console[method]);
  for (const method of methods) {
    const name = method === "warn" || method === "error" ? "stderr" : "stdout";
    console[method] = (...args: unknown[]) =>
      write(name, args.map((arg) => typeof arg === "string" ? arg : inspect(arg)).join(" ") + "\n");
  }
  return () => methods.forEach((method, i) => (console[method] = saved[i]!));
}
