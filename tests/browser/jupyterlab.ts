/**
 * Driving JupyterLab 4 like a reader, for the JupyterLab browser test: a server on
 * 127.0.0.1 serving a workspace, and a page that opens a chapter, runs all its cells,
 * reads every cell's outputs back from the notebook model, edits a cell and re-runs it.
 *
 * The server exposes the application object to the page (`--LabApp.expose_app_in_browser`)
 * so the test runs JupyterLab's own commands (`notebook:run-all-cells`, the ones the menus
 * call) and reads the same model the page renders.
 *
 * @module
 */
import type { Page } from "playwright-core";
import { jupyterProgram } from "../../tools/jupyter.ts";
import type { Cell, Notebook, Output } from "../../tools/notebook_json.ts";
import { freePort } from "./notebook_server.ts";
import { waitFor } from "./wait.ts";

/** Options for {@link JupyterLabServer.start}. */
export interface JupyterLabServerOptions {
  /** The folder to serve. */
  readonly rootDir: string;
  /** Longest the server may take to answer, in ms. Default 120,000. */
  readonly startupTimeoutMs?: number;
}

/** A JupyterLab server on 127.0.0.1 with a random token; {@link stop} ends it and its kernels. */
export class JupyterLabServer {
  /** The server's address, without the token. */
  readonly baseUrl: string;
  /** The token every request carries. */
  readonly token: string;
  readonly #child: Deno.ChildProcess;

  private constructor(baseUrl: string, token: string, child: Deno.ChildProcess) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.#child = child;
  }

  /** Starts `jupyter lab` (the project's .venv one when present) and waits until it answers. */
  static async start(options: JupyterLabServerOptions): Promise<JupyterLabServer> {
    const port = freePort();
    const token = crypto.randomUUID().replaceAll("-", "");
    const child = new Deno.Command(jupyterProgram(), {
      args: [
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        `--port=${port}`,
        `--ServerApp.token=${token}`,
        `--ServerApp.root_dir=${options.rootDir}`,
        "--LabApp.expose_app_in_browser=True",
        "--MappingKernelManager.default_kernel_name=deno",
        ...(Deno.uid() === 0 ? ["--allow-root"] : []),
      ],
      cwd: options.rootDir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const server = new JupyterLabServer(`http://127.0.0.1:${port}`, token, child);
    try {
      await waitFor("reach JupyterLab", async () => {
        try {
          const response = await fetch(`${server.baseUrl}/api/status?token=${token}`);
          await response.body?.cancel();
          return response.ok;
        } catch {
          return false;
        }
      }, { timeoutMs: options.startupTimeoutMs ?? 120_000, intervalMs: 500 });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The address of a notebook, relative to the served folder. */
  notebookUrl(path: string): string {
    return `${this.baseUrl}/lab/tree/${path}?token=${this.token}&reset`;
  }

  /**
   * Asks the server to shut down (it ends its kernels first), then SIGTERM (the same,
   * from a signal), then SIGKILL, each after a grace period, until it has ended.
   */
  async stop(): Promise<void> {
    try {
      const response = await fetch(`${this.baseUrl}/api/shutdown?token=${this.token}`, {
        method: "POST",
      });
      await response.body?.cancel();
    } catch {
      // Not answering: the signals below end it.
    }
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (await this.#endsWithin(10_000)) return;
      try {
        this.#child.kill(signal);
      } catch {
        return; // Already gone.
      }
    }
    await this.#child.status;
  }

  async #endsWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
    ]);
    clearTimeout(timer);
    return ended;
  }
}

/** A code cell as the page's notebook model holds it. */
export interface LabCell {
  /** The cell's index in the notebook. */
  readonly index: number;
  /** "code" or "markdown". */
  readonly cellType: string;
  /** The execution count shown in its prompt; null when it has not run. */
  readonly executionCount: number | null;
  /** Its outputs, as nbformat JSON. */
  readonly outputs: readonly Output[];
  /** `<svg` elements rendered in its output area. */
  readonly svgElements: number;
}

// The page's JupyterLab application, as `expose_app_in_browser` leaves it on `window`.
// deno-lint-ignore no-explicit-any
type LabWindow = { jupyterapp: any };

/** Opens a notebook and waits until its Deno kernel is idle. */
export async function openNotebook(page: Page, url: string, timeoutMs: number): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const app = (globalThis as unknown as LabWindow).jupyterapp;
      const panel = app?.shell?.currentWidget;
      return panel?.sessionContext?.session?.kernel?.status === "idle" &&
        panel.sessionContext.session.kernel.name === "deno";
    },
    undefined,
    { timeout: timeoutMs, polling: 250 },
  );
}

/** Runs one of JupyterLab's commands, as a menu item or a shortcut would. */
export async function runCommand(page: Page, command: string): Promise<void> {
  await page.evaluate(async (id) => {
    await (globalThis as unknown as LabWindow).jupyterapp.commands.execute(id);
  }, command);
}

/** Every cell of the open notebook: execution count, outputs and rendered SVGs. */
export async function readCells(page: Page): Promise<LabCell[]> {
  return await page.evaluate(() => {
    const panel = (globalThis as unknown as LabWindow).jupyterapp.shell.currentWidget;
    // deno-lint-ignore no-explicit-any
    return panel.content.widgets.map((widget: any, index: number) => ({
      index,
      cellType: widget.model.type,
      executionCount: widget.model.type === "code" ? widget.model.executionCount ?? null : null,
      outputs: widget.model.type === "code" ? widget.model.outputs.toJSON() : [],
      svgElements: widget.node.querySelectorAll(".jp-OutputArea svg").length,
    }));
  });
}

/** Whether the kernel is idle and no code cell waits to run (its prompt shows `*`). */
export async function notebookSettled(page: Page): Promise<boolean> {
  return await page.evaluate(() => {
    const panel = (globalThis as unknown as LabWindow).jupyterapp.shell.currentWidget;
    const idle = panel.sessionContext.session?.kernel?.status === "idle";
    const pending = panel.content.node.querySelectorAll(".jp-InputPrompt").length > 0 &&
      [...panel.content.node.querySelectorAll(".jp-Cell.jp-CodeCell .jp-InputPrompt")]
        .some((prompt) => (prompt as { textContent: string }).textContent.includes("*"));
    return idle && !pending;
  });
}

/**
 * Waits until the notebook has stayed settled (idle, nothing queued) for `quietMs`, so an
 * output sent just after idle has had its chance to arrive.
 */
export async function waitUntilSettled(
  page: Page,
  what: string,
  timeoutMs: number,
  quietMs = 1500,
): Promise<void> {
  let since: number | undefined;
  await waitFor(what, async () => {
    if (!await notebookSettled(page)) {
      since = undefined;
      return false;
    }
    since ??= performance.now();
    return performance.now() - since >= quietMs;
  }, { timeoutMs, intervalMs: 250 });
}

/** Replaces a cell's source in the model (what typing in its editor ends with). */
export async function setCellSource(page: Page, index: number, source: string): Promise<void> {
  await page.evaluate(([i, text]) => {
    const panel = (globalThis as unknown as LabWindow).jupyterapp.shell.currentWidget;
    panel.content.widgets[i].model.sharedModel.setSource(text);
    panel.content.activeCellIndex = i;
    panel.content.mode = "command";
  }, [index, source] as const);
}

/**
 * Readies the window for a screenshot of one cell: the file browser folded away, any
 * notification dismissed, and the cell scrolled to the top.
 */
export async function frameCell(page: Page, index: number): Promise<void> {
  await page.evaluate(async (i) => {
    const app = (globalThis as unknown as LabWindow).jupyterapp;
    if (!app.shell.leftCollapsed) await app.commands.execute("application:toggle-left-area");
    const panel = app.shell.currentWidget;
    await panel.content.scrollToItem(i, "start");
    panel.content.widgets[i].node.scrollIntoView({ block: "start" });
  }, index);
  for (const button of await page.locator(".jp-toast-button", { hasText: "No" }).all()) {
    await button.click().catch(() => {});
  }
  await page.locator(".Toastify__toast").waitFor({ state: "detached", timeout: 5_000 }).catch(
    () => {},
  );
}

/** The cells read from the page as a notebook, to compare with an executed one. */
export function asNotebook(cells: readonly LabCell[]): Notebook {
  return {
    cells: cells.map((cell): Cell => ({
      cell_type: cell.cellType === "code" ? "code" : "markdown",
      source: "",
      metadata: {},
      ...(cell.cellType === "code"
        ? { outputs: cell.outputs, execution_count: cell.executionCount }
        : {}),
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}
