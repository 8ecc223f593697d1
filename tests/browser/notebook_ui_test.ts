/**
 * The chapters as a reader meets them: every `notebooks/*.ipynb` opened in the classic
 * Jupyter Notebook in headless Chromium, run with Cell → Run All, checked against a
 * headless run of the same chapter (every figure as SVG, every progress display done, no
 * cell failed), then one try-it knob changed in the editor and the cell re-run with
 * Shift-Enter, which must redraw its figure. A screenshot of each chapter's edited try-it
 * cell goes to `dist/screenshots/NN_slug.png`.
 *
 * ```sh
 * deno task test:browser
 * ```
 *
 * It needs Debian's `chromium` and `jupyter-notebook` and fails saying so when either is
 * missing. `NOTEBOOKS_DIR=path` runs the chapters of another folder;
 * `BROWSER_TEST_TIMEOUT_MS` bounds the whole run (default 20 minutes). The server, its
 * kernels and the browser are stopped at the end whatever happens, and the test checks
 * that nothing it started is left running.
 *
 * The same file proves the checks can fail, on small fixtures (a cell that throws, a
 * progress display that never finishes, a knob that changes nothing), and that stopping
 * the server ends its kernels. It is kept out of `deno task test` (see deno.json), which
 * runs the fast tests of the helpers beside it.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import {
  executeNotebook,
  formatCellFailure,
  NOTEBOOKS_DIR,
  REPO_ROOT,
} from "../../tools/jupyter.ts";
import { chapterSlug, listNotebooks, readNotebook } from "../../tools/notebook_json.ts";
import {
  type ChapterExpectation,
  checkChapterInBrowser,
  expectationFrom,
  formatTimings,
} from "./chapter_in_browser.ts";
import { NotebookServer, portIsFree } from "./notebook_server.ts";
import { BrowserSession } from "./session.ts";
import { Deadline, formatSeconds, waitFor } from "./wait.ts";
import { createNotebookWorkspace } from "./workspace.ts";

const chapters = await listNotebooks(Deno.env.get("NOTEBOOKS_DIR") || NOTEBOOKS_DIR);
const TOTAL_TIMEOUT_MS = Number(Deno.env.get("BROWSER_TEST_TIMEOUT_MS") || 20 * 60_000);
const SCREENSHOTS_DIR = join(REPO_ROOT, "dist", "screenshots");
// Past the deadline every wait fails on its own; this is for a call that hangs regardless.
const WATCHDOG_GRACE_MS = 60_000;
const FIXTURES_DIR = new URL("../fixtures/notebooks/", import.meta.url).pathname;

/**
 * Starts a session serving `notebooks`, runs `fn`, and always closes the session: at the
 * end, or when the watchdog fires after the deadline plus a grace period. Then asserts
 * nothing the session started is left running. (If the test process itself is killed, the
 * server gets SIGTERM from the kernel and Chromium loses its pipe: both end by themselves.)
 */
async function withBrowserSession(
  notebooks: readonly string[],
  deadline: Deadline,
  fn: (session: BrowserSession) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const session = await BrowserSession.start({
    notebooks,
    startupTimeoutMs: deadline.bound(60_000),
  });
  const abort = (why: string) => {
    console.error(`browser test: ${why}; stopping the server and the browser`);
    session.close().finally(() => Deno.exit(1));
  };
  const graceMs = deadline.remainingMs() + WATCHDOG_GRACE_MS;
  const watchdog = setTimeout(
    () => abort(`still running after ${formatSeconds(graceMs)}`),
    graceMs,
  );
  console.log(
    `browser test: classic Notebook at ${session.server.url}, started with Chromium in ${
      formatSeconds(Math.round(performance.now() - started))
    }`,
  );
  try {
    await fn(session);
  } finally {
    clearTimeout(watchdog);
    await session.close();
  }
  assert.deepEqual(await session.leftovers(), [], "the test left something running");
}

/** What a chapter whose headless run would fail must show: nothing in particular. */
const NO_EXPECTATION: ChapterExpectation = { cells: new Map(), figures: 0, progressDisplays: 0 };

Deno.test({
  name: "every chapter runs in the classic Notebook in Chromium, shows its figures and " +
    "finished progress, and redraws a try-it figure after an edit",
  ignore: chapters.length === 0,
  // Playwright keeps connections and timers of its own between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const deadline = new Deadline(TOTAL_TIMEOUT_MS);
    const started = performance.now();
    await withBrowserSession(chapters, deadline, async (session) => {
      for (const [index, path] of chapters.entries()) {
        const file = basename(path);
        await t.step(
          `${file} runs all cells, shows its figures and progress, and reacts to a try-it edit`,
          async () => {
            const reference = await executeNotebook(path, { displayName: file });
            if (reference.failure) {
              assert.fail(
                `the headless run already fails:\n${formatCellFailure(reference.failure)}`,
              );
            }
            const result = await checkChapterInBrowser({
              browser: session.browser,
              server: session.server,
              relativePath: session.workspace.notebooks[index]!,
              notebook: await readNotebook(path),
              expectation: expectationFrom(reference.notebook),
              screenshotPath: join(SCREENSHOTS_DIR, `${chapterSlug(path)}.png`),
              deadline,
            });
            // One kernel at a time: the chapter's kernel is done once its checks are.
            await session.server.shutdownKernels();
            console.log(
              `${file}: ${result.figures} figures, ${result.progressDisplays} progress displays, ` +
                `try it: cell ${result.tryIt.cellIndex} ${result.tryIt.edit}; ` +
                (result.retriedCells.length > 0
                  ? `re-ran cells ${result.retriedCells.join(", ")} (an output the kernel sent ` +
                    "late was dropped by the Notebook); "
                  : "") +
                `headless ${formatSeconds(Math.round(reference.durationMs))}, ${
                  formatTimings(result.timings)
                }`,
            );
          },
        );
      }
    });
    console.log(
      `browser test: ${chapters.length} chapters in ${
        formatSeconds(Math.round(performance.now() - started))
      }, screenshots in ${SCREENSHOTS_DIR}`,
    );
  },
});

Deno.test({
  name: "checkChapterInBrowser fails naming the chapter, the cell and what is wrong",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const deadline = new Deadline(5 * 60_000);
    const fixtures = [
      join(FIXTURES_DIR, "failing", "01_throws.ipynb"),
      join(FIXTURES_DIR, "browser", "01_unfinished_progress.ipynb"),
      join(FIXTURES_DIR, "browser", "02_figure_ignores_knob.ipynb"),
    ];
    const screenshots = await Deno.makeTempDir({ prefix: "browser_test_screens_" });
    try {
      await withBrowserSession(fixtures, deadline, async (session) => {
        const check = async (index: number, expectation: ChapterExpectation) => {
          const path = fixtures[index]!;
          try {
            await checkChapterInBrowser({
              browser: session.browser,
              server: session.server,
              relativePath: session.workspace.notebooks[index]!,
              notebook: await readNotebook(path),
              expectation,
              screenshotPath: join(screenshots, `${index}.png`),
              deadline,
              timeouts: { lateOutputsMs: 3_000 },
            });
          } finally {
            await session.server.shutdownKernels();
          }
        };
        const expect = async (index: number) =>
          expectationFrom((await executeNotebook(fixtures[index]!)).notebook);

        await t.step("a cell that throws", async () => {
          await assert.rejects(check(0, NO_EXPECTATION), (error: Error) => {
            const lines = error.message.split("\n");
            assert.equal(
              lines[0],
              "Cannot run 01_throws.ipynb in the browser: cell 2 failed " +
                "(first line: `// This cell fails on purpose.`)",
            );
            assert.equal(lines[1], "RangeError: answer is 42, expected 41");
            return true;
          });
        });

        await t.step("a progress display that never reaches done", async () => {
          const expectation = await expect(1);
          assert.equal(expectation.progressDisplays, 1);
          await assert.rejects(check(1, expectation), (error: Error) => {
            assert.match(error.message, /^01_unfinished_progress\.ipynb in the browser: /);
            assert.match(
              error.message,
              /cell 1's progress display ends at "demo 3\/10 trials", not "done: …"/,
            );
            return true;
          });
        });

        await t.step("a try-it edit that leaves the figure as it was", async () => {
          await assert.rejects(check(2, await expect(2)), (error: Error) => {
            assert.match(
              error.message,
              /^02_figure_ignores_knob\.ipynb in the browser: Cannot see cell 1's figure change within 3 s: after SIDE: 20 → 21 it is drawn exactly as before/,
            );
            return true;
          });
        });
      });
    } finally {
      await Deno.remove(screenshots, { recursive: true }).catch(() => {});
    }
  },
});

async function startKernel(server: NotebookServer): Promise<number> {
  const response = await fetch(`${server.url}/api/kernels`, {
    method: "POST",
    headers: { Authorization: `token ${server.token}` },
    body: JSON.stringify({ name: "deno" }),
  });
  assert.equal(response.status, 201, await response.text());
  const pids = await waitFor("see the kernel's process", async () => {
    const found = await server.kernelProcessIds();
    return found.length > 0 && found;
  }, { timeoutMs: 30_000 });
  assert.equal(pids.length, 1);
  return pids[0]!;
}

Deno.test({
  name: "NotebookServer.stop ends the server and the kernels it started and frees its port",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const workspace = await createNotebookWorkspace([]);
    const server = await NotebookServer.start({ rootDir: workspace.rootDir });
    try {
      await startKernel(server);
      assert.equal((await server.kernelIds()).length, 1);
      assert.equal(portIsFree(server.port), false);
    } finally {
      await server.stop();
      await workspace.remove();
    }
    assert.equal(server.exited, true);
    assert.deepEqual(await server.kernelProcessIds(), []);
    assert.equal(portIsFree(server.port), true);
  },
});

Deno.test({
  name: "NotebookServer.stop ends the kernels of a server that was killed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const workspace = await createNotebookWorkspace([]);
    const server = await NotebookServer.start({ rootDir: workspace.rootDir });
    try {
      const kernel = await startKernel(server);
      Deno.kill(server.pid, "SIGKILL");
      await waitFor("see the server end", () => server.exited, { timeoutMs: 10_000 });
      // Kernels run in sessions of their own: this one outlives its server.
      assert.deepEqual(await server.kernelProcessIds(), [kernel]);
    } finally {
      await server.stop();
      await workspace.remove();
    }
    assert.deepEqual(await server.kernelProcessIds(), []);
  },
});
