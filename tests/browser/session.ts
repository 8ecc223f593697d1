/**
 * Everything one browser test run starts, started together and stopped together: the
 * workspace of chapter copies, the notebook server with its kernels, and Chromium.
 *
 * @module
 */
import type { BrowserContext } from "playwright-core";
import { findChromium, launchChromium } from "./chromium.ts";
import { checkClassicNotebook, NotebookServer, portIsFree } from "./notebook_server.ts";
import { processesMentioning } from "./processes.ts";
import { settleWithin } from "./wait.ts";
import {
  createNotebookWorkspace,
  type NotebookWorkspace,
  removeStaleWorkspaces,
} from "./workspace.ts";

/** Options for {@link BrowserSession.start}. */
export interface BrowserSessionOptions {
  /** The chapters to serve (paths of the committed notebooks). */
  readonly notebooks: readonly string[];
  /** Longest the server and the browser may each take to start, in ms. Default 60,000. */
  readonly startupTimeoutMs?: number;
}

/** A notebook server serving copies of the chapters, and a browser to open them in. */
export class BrowserSession {
  /** The served copies. */
  readonly workspace: NotebookWorkspace;
  /** The notebook server. */
  readonly server: NotebookServer;
  /** The browser. */
  readonly browser: BrowserContext;
  readonly #userDataDir: string;
  #closed: Promise<void> | undefined;

  private constructor(
    workspace: NotebookWorkspace,
    server: NotebookServer,
    browser: BrowserContext,
    userDataDir: string,
  ) {
    this.workspace = workspace;
    this.server = server;
    this.browser = browser;
    this.#userDataDir = userDataDir;
  }

  /**
   * Checks that Chromium and the classic Notebook are installed, then starts the server
   * and the browser. If a step fails, whatever had started is stopped before the error
   * propagates.
   *
   * @example
   * ```ts
   * const session = await BrowserSession.start({ notebooks: ["notebooks/00_welcome.ipynb"] });
   * try {
   *   const page = await session.browser.newPage();
   *   await page.goto(session.server.notebookUrl(session.workspace.notebooks[0]!));
   * } finally {
   *   await session.close();
   * }
   * ```
   */
  static async start(options: BrowserSessionOptions): Promise<BrowserSession> {
    await findChromium();
    await checkClassicNotebook();
    const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
    await removeStaleWorkspaces();
    const workspace = await createNotebookWorkspace(options.notebooks);
    let server: NotebookServer | undefined;
    let userDataDir: string | undefined;
    try {
      const stateDir = await workspace.scratchDir("server");
      server = await NotebookServer.start({
        rootDir: workspace.rootDir,
        stateDir,
        startupTimeoutMs,
      });
      userDataDir = await workspace.scratchDir("profile");
      const browser = await launchChromium({ userDataDir, timeoutMs: startupTimeoutMs });
      return new BrowserSession(workspace, server, browser, userDataDir);
    } catch (error) {
      await server?.stop();
      if (userDataDir !== undefined) await endChromium(userDataDir);
      await workspace.remove();
      throw error;
    }
  }

  /**
   * Closes the browser, stops the server and its kernels, and deletes the workspace and
   * the browser profile; whatever does not end in time is killed. Safe to call more than
   * once.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await settleWithin(this.browser.close(), 15_000);
      await endChromium(this.#userDataDir);
      await this.server.stop();
      await this.workspace.remove();
    })();
    return this.#closed;
  }

  /**
   * What is still running or held after {@link BrowserSession.close}, one description per
   * item; empty when everything ended.
   */
  async leftovers(): Promise<string[]> {
    const found: string[] = [];
    if (!this.server.exited) found.push("the notebook server is still running");
    const kernels = await this.server.kernelProcessIds();
    if (kernels.length) found.push(`kernel processes ${kernels.join(", ")} are still running`);
    const browsers = await processesMentioning(this.#userDataDir);
    if (browsers.length) found.push(`Chromium processes ${browsers.join(", ")} are still running`);
    if (!portIsFree(this.server.port)) found.push(`port ${this.server.port} is still in use`);
    const kept = await Deno.stat(this.workspace.runDir).then(() => true, () => false);
    if (kept) found.push(`the folder ${this.workspace.runDir} is still there`);
    return found;
  }
}

/** Kills any Chromium process left with this profile, then deletes the profile. */
async function endChromium(userDataDir: string): Promise<void> {
  for (const pid of await processesMentioning(userDataDir)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
}
