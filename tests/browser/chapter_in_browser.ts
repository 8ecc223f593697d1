/**
 * What the browser test asserts about one chapter open in the classic Notebook: Run All
 * ends with every cell run and none failed, every figure the headless run produced shows
 * as SVG in the page, every progress display reaches its "done:" line, and a try-it cell
 * with one knob changed and run again draws a different figure.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { figureOutputCount } from "../../tools/html_page.ts";
import { formatCellFailure } from "../../tools/jupyter.ts";
import {
  type Cell,
  type DataOutput,
  firstSourceLine,
  joinText,
  type Notebook,
  stripAnsi,
} from "../../tools/notebook_json.ts";
import { type CellView, ClassicNotebook, type NotebookView } from "./classic_notebook.ts";
import type { NotebookServer } from "./notebook_server.ts";
import { chooseKnobEdit, describeKnobEdit, isTryItCell, type KnobEdit } from "./try_it.ts";
import { type Deadline, formatSeconds, waitFor, WaitTimeoutError } from "./wait.ts";

/** What one code cell showed when the chapter ran headless (the reference). */
export interface CellExpectation {
  /** Outputs holding a figure (SVG). */
  readonly figures: number;
  /** Progress displays. */
  readonly progressDisplays: number;
}

/** What a chapter must show in the browser, from a headless run of it. */
export interface ChapterExpectation {
  /** Per code cell, by cell index. */
  readonly cells: ReadonlyMap<number, CellExpectation>;
  /** Figure outputs in the whole chapter (`figureOutputCount`). */
  readonly figures: number;
  /** Progress displays in the whole chapter. */
  readonly progressDisplays: number;
}

/**
 * The figures and progress displays each cell of an executed notebook shows.
 *
 * @example
 * ```ts
 * const run = await executeNotebook("notebooks/00_welcome.ipynb");
 * expectationFrom(run.notebook).figures; // 4
 * ```
 */
export function expectationFrom(executed: Notebook): ChapterExpectation {
  const cells = new Map<number, CellExpectation>();
  let progressDisplays = 0;
  for (const [index, cell] of executed.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const progress = (cell.outputs ?? []).filter(isProgressDisplay).length;
    progressDisplays += progress;
    cells.set(index, {
      figures: figureOutputCount({ ...executed, cells: [cell] }),
      progressDisplays: progress,
    });
  }
  return { cells, figures: figureOutputCount(executed), progressDisplays };
}

function isProgressDisplay(output: NonNullable<Cell["outputs"]>[number]): boolean {
  if (output.output_type !== "display_data" && output.output_type !== "execute_result") {
    return false;
  }
  const html = (output as DataOutput).data?.["text/html"];
  return /class="sweep-progress"/.test(joinText(html as string | string[] | undefined));
}

/** The shortfalls of a page against the expectation, one line each; empty when none. */
export function missingOutputs(view: NotebookView, expectation: ChapterExpectation): string[] {
  const problems: string[] = [];
  let figures = 0;
  for (const cell of view.cells) {
    figures += cell.figureOutputs;
    const expected = expectation.cells.get(cell.index);
    if (expected === undefined) continue;
    if (cell.figureOutputs < expected.figures) {
      problems.push(
        `cell ${cell.index} shows ${cell.figureOutputs} of its ${expected.figures} figures as <svg>`,
      );
    }
    if (cell.progress.length < expected.progressDisplays) {
      problems.push(
        `cell ${cell.index} shows ${cell.progress.length} of its ${expected.progressDisplays} progress displays`,
      );
    }
    for (const text of cell.progress) {
      if (!text.startsWith("done:")) {
        problems.push(`cell ${cell.index}'s progress display ends at "${text}", not "done: …"`);
      }
    }
  }
  if (figures < expectation.figures) {
    problems.push(`the page shows ${figures} figures, the headless run ${expectation.figures}`);
  }
  return problems;
}

/**
 * The cells whose outputs fall short of the headless run's: fewer figures or progress
 * displays, or a progress display short of "done:". Their indices, in order.
 */
export function cellsMissingOutputs(
  view: NotebookView,
  expectation: ChapterExpectation,
): number[] {
  return view.cells.filter((cell) => {
    const expected = expectation.cells.get(cell.index);
    if (expected === undefined) return false;
    return cell.figureOutputs < expected.figures ||
      cell.progress.length < expected.progressDisplays ||
      cell.progress.some((text) => !text.startsWith("done:"));
  }).map((cell) => cell.index);
}

/**
 * The cell to edit and the knob to turn: the first try-it cell with a numeric knob that
 * shows a figure, else the first with a numeric knob; null when no try-it cell has one.
 */
export function chooseTryIt(
  notebook: Notebook,
  view: NotebookView,
): { cellIndex: number; edit: KnobEdit; hasFigure: boolean } | null {
  const candidates = notebook.cells.flatMap((cell, cellIndex) => {
    if (!isTryItCell(cell)) return [];
    const edit = chooseKnobEdit(joinText(cell.source));
    if (edit === null) return [];
    const hasFigure = (view.cells[cellIndex]?.figureOutputs ?? 0) > 0;
    return [{ cellIndex, edit, hasFigure }];
  });
  return candidates.find((candidate) => candidate.hasFigure) ?? candidates[0] ?? null;
}

/** How long each step of a chapter may take, in ms. */
export interface ChapterTimeouts {
  /** Opening the notebook until its kernel is idle. Default 120,000. */
  readonly openMs?: number;
  /** Run All until every cell ran. Default 600,000. */
  readonly runAllMs?: number;
  /** Outputs that arrive after the kernel reported idle. Default 30,000. */
  readonly lateOutputsMs?: number;
  /** Re-running the edited try-it cell. Default 120,000. */
  readonly rerunMs?: number;
}

/** Options for {@link checkChapterInBrowser}. */
export interface CheckChapterOptions {
  /** The browser to open a page in. */
  readonly browser: BrowserContext;
  /** The server serving the chapter. */
  readonly server: NotebookServer;
  /** The chapter's path relative to the served folder. */
  readonly relativePath: string;
  /** The chapter as committed (to find its try-it cells). */
  readonly notebook: Notebook;
  /** What the headless run showed. */
  readonly expectation: ChapterExpectation;
  /** Where to save the screenshot (PNG). */
  readonly screenshotPath: string;
  /** Caps every wait. */
  readonly deadline: Deadline;
  /** Bounds of each step. */
  readonly timeouts?: ChapterTimeouts;
}

/** What a chapter showed in the browser, with how long each step took. */
export interface ChapterInBrowser {
  /** Output areas with an `<svg>` after Run All. */
  readonly figures: number;
  /** Progress displays after Run All (all "done:"). */
  readonly progressDisplays: number;
  /** The try-it cell that was edited, and how. */
  readonly tryIt: { readonly cellIndex: number; readonly edit: string };
  /** Cells re-run once because the kernel's late output was dropped (usually none). */
  readonly retriedCells: readonly number[];
  /** Wall times, in ms. */
  readonly timings: {
    readonly openMs: number;
    readonly runAllMs: number;
    readonly lateOutputsMs: number;
    readonly tryItMs: number;
  };
}

/**
 * Opens a chapter in a new page, runs it all, checks what it shows, edits and re-runs a
 * try-it cell, checks its figure changed, saves a screenshot and closes the page.
 *
 * @throws {Error} naming the chapter and what went wrong (the failing cell and its error,
 *   the missing figures, the unfinished progress display, the unchanged figure).
 */
export async function checkChapterInBrowser(
  options: CheckChapterOptions,
): Promise<ChapterInBrowser> {
  const file = basename(options.relativePath);
  const page = await options.browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  try {
    return await runChapter(page, options);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const context = pageErrors.length
      ? `\nScript errors in the page:\n${pageErrors.slice(0, 5).map((e) => `  ${e}`).join("\n")}`
      : "";
    const message = error.message.includes(file)
      ? error.message
      : `${file} in the browser: ${error.message}`;
    throw new Error(`${message}${context}`, { cause: error });
  } finally {
    await page.close().catch(() => {});
  }
}

async function runChapter(page: Page, options: CheckChapterOptions): Promise<ChapterInBrowser> {
  const { deadline, expectation } = options;
  const timeouts = options.timeouts ?? {};
  const file = basename(options.relativePath);
  const clock = stopwatch();

  const notebook = await ClassicNotebook.open(
    page,
    options.server.notebookUrl(options.relativePath),
    {
      timeoutMs: deadline.bound(timeouts.openMs ?? 120_000),
    },
  );
  const openMs = clock.lap();

  await notebook.runAll();
  const ran = await notebook.waitUntilSettled(
    "run all cells",
    (view) => view.cells.some((cell) => cell.errors.length > 0) || allRan(view),
    deadline.bound(timeouts.runAllMs ?? 600_000),
  );
  assertNoFailure(ran, file);
  const notRun = ran.cells.filter((cell) => needsRun(cell) && cell.executionCount === null);
  if (notRun.length > 0) {
    throw new Error(
      `Cannot run ${file} in the browser: cells ${
        notRun.map((cell) => cell.index).join(", ")
      } never ran`,
    );
  }
  const runAllMs = clock.lap();

  // Deno's kernel (2.9.6) can report a cell idle before the cell's last output is sent, and
  // the Notebook then drops that output: give late outputs a bounded time to arrive, and
  // re-run once, as a reader would, any cell still short of what the headless run showed.
  let problems: string[] = [];
  const seeEverything = async (timeoutMs: number) =>
    await waitFor("see every figure and finished progress display", async () => {
      const view = await notebook.view();
      problems = missingOutputs(view, expectation);
      return problems.length === 0 ? view : undefined;
    }, { timeoutMs: deadline.bound(timeoutMs), describe: () => problems.join("; ") });
  let shown: NotebookView;
  const retriedCells: number[] = [];
  try {
    shown = await seeEverything(timeouts.lateOutputsMs ?? 10_000);
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    const incomplete = cellsMissingOutputs(await notebook.view(), expectation);
    if (incomplete.length === 0) throw error;
    for (const cellIndex of incomplete) {
      const before = (await notebook.view()).cells[cellIndex]?.executionCount ?? 0;
      await notebook.runCell(cellIndex);
      const rerun = await notebook.waitUntilSettled(
        `re-run cell ${cellIndex}, whose outputs were incomplete`,
        (view) => {
          const cell = view.cells[cellIndex];
          return cell !== undefined &&
            (cell.errors.length > 0 || (cell.executionCount ?? 0) > before);
        },
        deadline.bound(timeouts.rerunMs ?? 120_000),
      );
      assertNoFailure(rerun, file);
      retriedCells.push(cellIndex);
    }
    shown = await seeEverything(timeouts.lateOutputsMs ?? 10_000);
  }
  assertNoFailure(shown, file);
  const lateOutputsMs = clock.lap();

  const tryIt = chooseTryIt(options.notebook, shown);
  if (tryIt === null) {
    throw new Error(
      `Cannot try a knob in ${file}: no try-it cell has a numeric knob to change (a try-it cell starts with \`// Try it\` or is tagged try-it, and sets its knobs as \`const NAME = 1\`)`,
    );
  }
  const { cellIndex, edit } = tryIt;
  const before = shown.cells[cellIndex]!;
  await notebook.typeKnobEdit(cellIndex, edit);
  await notebook.runEditedCell();
  const rerun = await notebook.waitUntilSettled(
    `re-run cell ${cellIndex} with ${describeKnobEdit(edit)}`,
    (view) => {
      const cell = view.cells[cellIndex];
      return cell !== undefined &&
        (cell.errors.length > 0 || (cell.executionCount ?? 0) > (before.executionCount ?? 0));
    },
    deadline.bound(timeouts.rerunMs ?? 120_000),
  );
  assertNoFailure(rerun, file);
  const outputOf = (cell: CellView | undefined) =>
    tryIt.hasFigure ? cell?.figureDrawings.join("\n") ?? "" : cell?.outputText ?? "";
  let last: CellView | undefined;
  await waitFor(
    `see cell ${cellIndex}'s ${tryIt.hasFigure ? "figure" : "output"} change`,
    async () => {
      last = (await notebook.view()).cells[cellIndex];
      const now = outputOf(last);
      return now !== "" && now !== outputOf(before);
    },
    {
      timeoutMs: deadline.bound(timeouts.lateOutputsMs ?? 30_000),
      describe: () =>
        `after ${describeKnobEdit(edit)} it ${
          outputOf(last) === "" ? "shows nothing" : "is drawn exactly as before"
        }`,
    },
  );
  const tryItMs = clock.lap();

  await Deno.mkdir(dirname(options.screenshotPath), { recursive: true });
  await notebook.screenshotCell(cellIndex, options.screenshotPath);

  return {
    figures: shown.cells.reduce((sum, cell) => sum + cell.figureOutputs, 0),
    progressDisplays: shown.cells.reduce((sum, cell) => sum + cell.progress.length, 0),
    tryIt: { cellIndex, edit: describeKnobEdit(edit) },
    retriedCells,
    timings: { openMs, runAllMs, lateOutputsMs, tryItMs },
  };
}

/** A code cell Notebook 6 actually sends to the kernel (it skips blank ones). */
function needsRun(cell: CellView): boolean {
  return cell.type === "code" && cell.source.trim() !== "";
}

function allRan(view: NotebookView): boolean {
  return view.cells.every((cell) => !needsRun(cell) || cell.executionCount !== null);
}

/**
 * Throws the first cell error a reader would see, formatted as the headless notebook test
 * formats it, unless the cell is tagged `raises-exception`.
 */
function assertNoFailure(view: NotebookView, file: string): void {
  for (const cell of view.cells) {
    if (cell.tags.includes("raises-exception")) continue;
    const error = cell.errors[0];
    if (error === undefined) continue;
    const ename = stripAnsi(error.ename);
    const evalue = stripAnsi(error.evalue);
    const header = evalue ? `${ename}: ${evalue}` : ename;
    const tracebackTail = error.traceback
      .flatMap((entry) => stripAnsi(entry).split("\n"))
      .filter((line) => line.trim() !== "" && line.trim() !== header && line !== "Stack trace:")
      .slice(-8);
    const source: Cell = {
      cell_type: "code",
      source: cell.source,
      metadata: { tags: [...cell.tags] },
    };
    throw new Error(formatCellFailure({
      path: `${file} in the browser`,
      cellIndex: cell.index,
      firstLine: firstSourceLine(source),
      ename,
      evalue,
      tracebackTail,
    }));
  }
}

function stopwatch(): { lap(): number } {
  let last = performance.now();
  return {
    lap() {
      const now = performance.now();
      const elapsed = now - last;
      last = now;
      return Math.round(elapsed);
    },
  };
}

/** Timings as a short line (`open 3.2 s, run all 9.8 s, late outputs 0 s, try it 1.1 s`). */
export function formatTimings(timings: ChapterInBrowser["timings"]): string {
  return [
    `open ${formatSeconds(timings.openMs)}`,
    `run all ${formatSeconds(timings.runAllMs)}`,
    `late outputs ${formatSeconds(timings.lateOutputsMs)}`,
    `try it ${formatSeconds(timings.tryItMs)}`,
  ].join(", ");
}
