/**
 * Drives a notebook open in the classic Notebook 6 UI the way a reader does: the Cell
 * menu's Run All, a click into a cell's editor, typing, Shift-Enter. What the page shows
 * is read back from the DOM (the figures, progress displays and errors a reader sees) and
 * from the page's notebook model (execution counts, error details).
 *
 * @module
 */
import type { Page } from "playwright-core";
import { applyKnobEdit, type KnobEdit } from "./try_it.ts";
import { waitFor } from "./wait.ts";

/** An error output of a cell, as the page's model holds it. */
export interface PageError {
  /** The exception's name. */
  readonly ename: string;
  /** Its message. */
  readonly evalue: string;
  /** The traceback lines, possibly with ANSI colours. */
  readonly traceback: readonly string[];
}

/** What the page shows of one cell. */
export interface CellView {
  /** Position in the notebook (0-based, markdown cells included). */
  readonly index: number;
  /** "code", "markdown" or "raw". */
  readonly type: string;
  /** Whether the cell is running or queued (`In [*]`). */
  readonly running: boolean;
  /** Its execution count once run; null when never run or aborted. */
  readonly executionCount: number | null;
  /** The cell's tags. */
  readonly tags: readonly string[];
  /** The cell's text as its editor holds it. */
  readonly source: string;
  /** Error outputs. */
  readonly errors: readonly PageError[];
  /** Output areas holding at least one `<svg>`: figures a reader sees. */
  readonly figureOutputs: number;
  /**
   * Markup of each top-level `<svg>` in the outputs with its `<text>` elements removed: the
   * drawing, so a changed title or label alone does not count as a changed figure.
   */
  readonly figureDrawings: readonly string[];
  /** Text of each progress display (`.sweep-progress`) in the outputs. */
  readonly progress: readonly string[];
  /** All the outputs' text. */
  readonly outputText: string;
}

/** The whole page: the kernel's state and every cell. */
export interface NotebookView {
  /** "idle", "busy", "dead", "disconnected" or "unknown", from the kernel indicator. */
  readonly kernel: string;
  /** Every cell, in order. */
  readonly cells: readonly CellView[];
}

/** Options for {@link ClassicNotebook.open}. */
export interface OpenNotebookOptions {
  /** Longest the page and its kernel may take to be ready, in ms. */
  readonly timeoutMs: number;
}

// The part of the classic Notebook's JavaScript API and of the DOM the page functions use.
// They run in the browser, so they are typed here by hand, not from a DOM library.
interface PageElement {
  readonly className: string;
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly classList: { contains(name: string): boolean };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  cloneNode(deep: boolean): PageElement;
  remove(): void;
  scrollIntoView(options: { block: string }): void;
  getBoundingClientRect(): { top: number; height: number };
}
interface PageCell {
  readonly cell_type: string;
  readonly input_prompt_number?: number | string | null;
  readonly metadata: { tags?: string[] };
  readonly element: ArrayLike<PageElement>;
  readonly output_area?: { outputs: { output_type: string; [key: string]: unknown }[] };
  readonly code_mirror: {
    setSelection(from: { line: number; ch: number }, to: { line: number; ch: number }): void;
    focus(): void;
  };
  get_text(): string;
}
interface PageNotebook {
  get_cells(): PageCell[];
  get_cell(index: number): PageCell | null;
  execute_cells(indices: number[]): void;
  set_autosave_interval(ms: number): void;
  readonly kernel?: { is_connected(): boolean } | null;
}
interface PageGlobals {
  readonly Jupyter?: { notebook?: PageNotebook };
  readonly document: PageElement;
}
declare function requestAnimationFrame(callback: (time: number) => void): number;

/** A notebook open in the classic Notebook UI. */
export class ClassicNotebook {
  /** The browser page. */
  readonly page: Page;

  private constructor(page: Page) {
    this.page = page;
  }

  /**
   * Opens `url` in `page` and waits until the notebook is loaded and its kernel is
   * connected and idle. Autosave is turned off: the run must not write to the notebook.
   *
   * @throws {Error} if the page is not the classic Notebook or the kernel does not start.
   */
  static async open(
    page: Page,
    url: string,
    options: OpenNotebookOptions,
  ): Promise<ClassicNotebook> {
    const started = performance.now();
    const left = () => Math.max(1, options.timeoutMs - (performance.now() - started));
    await page.goto(url, { timeout: left(), waitUntil: "load" });
    const notebook = new ClassicNotebook(page);
    await waitFor("load the notebook and start its kernel", async () => {
      const state = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const nb = g.Jupyter?.notebook;
        const icon = g.document.querySelector("#kernel_indicator_icon")?.className ?? "";
        return {
          classic: nb !== undefined && typeof nb.get_cells === "function",
          connected: nb?.kernel?.is_connected() === true,
          icon,
        };
      });
      if (/kernel_dead_icon/.test(state.icon)) {
        throw new Error("Cannot start the notebook's kernel: the page reports it dead");
      }
      return state.classic && state.connected && /kernel_idle_icon/.test(state.icon);
    }, {
      timeoutMs: left(),
      describe: async () => `the page shows "${await pageTitle(page)}" at ${page.url()}`,
    });
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).Jupyter?.notebook?.set_autosave_interval(0);
    });
    return notebook;
  }

  /** Cell → Run All, through the menu. */
  async runAll(): Promise<void> {
    await this.page.click("#celllink");
    await this.page.click("#run_all_cells");
  }

  /** Runs one cell again (as selecting it and pressing Shift-Enter does). */
  async runCell(cellIndex: number): Promise<void> {
    await this.page.evaluate((index) => {
      const notebook = (globalThis as unknown as PageGlobals).Jupyter?.notebook;
      if (!notebook) throw new Error("Cannot run a cell: the page has no notebook");
      notebook.execute_cells([index]);
    }, cellIndex);
  }

  /** What the page shows now. */
  view(): Promise<NotebookView> {
    return this.page.evaluate(readNotebookView);
  }

  /**
   * Waits until no cell is running or queued and the kernel is idle, and `ready(view)`
   * holds; returns that view.
   *
   * @throws {Error} at once if the kernel dies, or after `timeoutMs` naming the cells still
   *   running.
   */
  async waitUntilSettled(
    what: string,
    ready: (view: NotebookView) => boolean,
    timeoutMs: number,
  ): Promise<NotebookView> {
    let last: NotebookView | undefined;
    return await waitFor(what, async () => {
      const view = last = await this.view();
      if (view.kernel === "dead") throw new Error(`Cannot ${what}: the kernel died`);
      const busy = view.kernel !== "idle" || view.cells.some((cell) => cell.running);
      return !busy && ready(view) ? view : undefined;
    }, {
      timeoutMs,
      intervalMs: 250,
      describe: () => describeUnsettled(last),
    });
  }

  /**
   * Changes one number in a cell the way a reader does: a click into the cell's editor, the
   * number selected, the new one typed. Checks the editor then holds exactly the edited
   * source.
   *
   * @throws {Error} if the cell's text is not what the edit expects, before or after.
   */
  async typeKnobEdit(cellIndex: number, edit: KnobEdit): Promise<void> {
    const editor = this.page.locator(".cell").nth(cellIndex).locator(".CodeMirror");
    await editor.scrollIntoViewIfNeeded();
    const before = await this.cellText(cellIndex);
    const expected = applyKnobEdit(before, edit);
    await editor.click();
    await this.page.evaluate(({ cellIndex, edit }) => {
      const cell = (globalThis as unknown as PageGlobals).Jupyter?.notebook?.get_cell(cellIndex);
      cell?.code_mirror.setSelection(
        { line: edit.line, ch: edit.startColumn },
        { line: edit.line, ch: edit.endColumn },
      );
    }, { cellIndex, edit });
    await this.page.keyboard.type(edit.after);
    const after = await this.cellText(cellIndex);
    if (after !== expected) {
      throw new Error(
        `Cannot edit cell ${cellIndex}: after typing ${edit.after} its line ${edit.line} reads ${
          JSON.stringify(after.split("\n")[edit.line])
        }, expected ${JSON.stringify(expected.split("\n")[edit.line])}`,
      );
    }
  }

  /** Runs the cell being edited, as Shift-Enter does. */
  async runEditedCell(): Promise<void> {
    await this.page.keyboard.press("Shift+Enter");
  }

  /** The text of a cell's editor. */
  cellText(cellIndex: number): Promise<string> {
    return this.page.evaluate((index) => {
      const cell = (globalThis as unknown as PageGlobals).Jupyter?.notebook?.get_cell(index);
      if (!cell) throw new Error(`Cannot read cell ${index}: the notebook has no such cell`);
      return cell.get_text();
    }, cellIndex);
  }

  /**
   * Saves a PNG of the window with a cell at the top of the notebook, the window made just
   * tall enough (up to `maxHeight`) to show the whole cell and its outputs under the
   * notebook's menus.
   */
  async screenshotCell(cellIndex: number, path: string, maxHeight = 1600): Promise<void> {
    const size = this.page.viewportSize() ?? { width: 1200, height: 900 };
    const scroll = () =>
      this.page.evaluate((index) => {
        const cell = (globalThis as unknown as PageGlobals).Jupyter?.notebook?.get_cell(index);
        const element = cell?.element[0];
        element?.scrollIntoView({ block: "start" });
        return element ? element.getBoundingClientRect() : null;
      }, cellIndex);
    const box = await scroll();
    if (box === null) throw new Error(`Cannot take a picture of cell ${cellIndex}: no such cell`);
    const height = Math.min(maxHeight, Math.max(size.height, Math.ceil(box.top + box.height + 24)));
    await this.page.setViewportSize({ width: size.width, height });
    try {
      // The notebook lays itself out again for the new height; scroll once it has.
      await this.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
      await scroll();
      await this.page.screenshot({ path });
    } finally {
      await this.page.setViewportSize(size);
    }
  }
}

/** Runs in the page: reads the kernel indicator and every cell. */
function readNotebookView(): NotebookView {
  const g = globalThis as unknown as PageGlobals;
  const nb = g.Jupyter?.notebook;
  const icon = g.document.querySelector("#kernel_indicator_icon")?.className ?? "";
  const kernel = /kernel_(idle|busy|dead|disconnected)_icon/.exec(icon)?.[1] ?? "unknown";
  const cells = (nb?.get_cells() ?? []).map((cell, index): CellView => {
    const root = cell.element[0];
    const prompt = cell.input_prompt_number;
    const outputs = cell.output_area?.outputs ?? [];
    const areas = root ? [...root.querySelectorAll(".output_area")] : [];
    const drawings: string[] = [];
    for (const area of areas) {
      for (const svg of area.querySelectorAll("svg:not(svg svg)")) {
        const copy = svg.cloneNode(true);
        for (const text of [...copy.querySelectorAll("text")]) text.remove();
        drawings.push(copy.outerHTML);
      }
    }
    return {
      index,
      type: cell.cell_type,
      running: root?.classList.contains("running") ?? false,
      executionCount: typeof prompt === "number" ? prompt : null,
      tags: cell.metadata.tags ?? [],
      source: cell.get_text(),
      errors: outputs.filter((output) => output.output_type === "error").map((output) => ({
        ename: String(output.ename ?? "Error"),
        evalue: String(output.evalue ?? ""),
        traceback: Array.isArray(output.traceback) ? output.traceback.map(String) : [],
      })),
      figureOutputs: areas.filter((area) => area.querySelector("svg") !== null).length,
      figureDrawings: drawings,
      progress: root
        ? [...root.querySelectorAll(".sweep-progress")].map((e) => (e.textContent ?? "").trim())
        : [],
      outputText: root?.querySelector(".output")?.textContent ?? "",
    };
  });
  return { kernel, cells };
}

function describeUnsettled(view: NotebookView | undefined): string {
  if (view === undefined) return "the page could not be read";
  const running = view.cells.filter((cell) => cell.running).map((cell) => cell.index);
  const notRun = view.cells
    .filter((cell) => cell.type === "code" && cell.executionCount === null && !cell.running)
    .map((cell) => cell.index);
  return [
    `kernel ${view.kernel}`,
    running.length ? `cells still running or queued: ${running.join(", ")}` : "",
    notRun.length ? `cells not run: ${notRun.join(", ")}` : "",
  ].filter(Boolean).join("; ");
}

async function pageTitle(page: Page): Promise<string> {
  try {
    return await page.title();
  } catch {
    return "?";
  }
}
