/**
 * The exported site's Try it cells, run in headless Chromium: a chapter is exported to a
 * temporary folder, served, and opened; its Try it cell, run unchanged in the page, must
 * draw exactly the figure the Deno kernel drew when the chapter was exported, and with one
 * knob changed it must draw another. Needs Chromium and the Jupyter kernel (see
 * tests/browser/chromium.ts); run it with `deno task test:site` (every chapter), or for
 * some chapters `SITE_TEST_CHAPTERS=01,04 deno task test:site`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "./chromium.ts";
import { applyKnobEdit, chooseKnobEdit } from "./try_it.ts";
import { NOTEBOOKS_DIR, REPO_ROOT } from "../../tools/jupyter.ts";
import { listNotebooks } from "../../tools/notebook_json.ts";
import { serveSite } from "../../tools/serve.ts";

/**
 * The chapters whose pages this test runs: `SITE_TEST_CHAPTERS` (numbers or slugs,
 * comma-separated), else every chapter.
 */
const CHAPTERS = (Deno.env.get("SITE_TEST_CHAPTERS") ?? "").split(",").map((name) => name.trim())
  .filter(Boolean);

/** Longest one run may take in the page, first run (loading the library) included. */
const RUN_TIMEOUT_MS = 120_000;

async function exportSite(outDir: string, chapters: readonly string[]): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "export", "--out", outDir, ...chapters],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `deno task export failed:\n${log}`);
}

/** The part of the page's DOM the checks read (Deno's types have no DOM). */
interface PageNode {
  readonly innerHTML: string;
  readonly textContent: string | null;
  readonly classList: { contains(name: string): boolean };
  readonly dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): Iterable<PageNode>;
}

/** What a Try it cell shows: its outputs' markup, figure by figure, and its text. */
interface CellOutputs {
  readonly figures: readonly string[];
  readonly text: string;
}

/** A live cell's attribute: `data-try-it` or `data-exercise`. */
type LiveKind = "try-it" | "exercise";

function readOutputs(page: Page, index: string, kind: LiveKind = "try-it"): Promise<CellOutputs> {
  return page.evaluate(({ index, kind }) => {
    const doc = (globalThis as unknown as { document: PageNode }).document;
    const section = doc.querySelector(`section[data-${kind}="${index}"]`)!;
    const outputs = section.querySelector(".outputs");
    return {
      figures: [...(outputs?.querySelectorAll(".output.html, .output.figure") ?? [])]
        .map((node) => node.innerHTML),
      text: [...(outputs?.querySelectorAll("pre.output") ?? [])]
        .map((node) => node.textContent ?? "").join("\n"),
    };
  }, { index, kind });
}

/** What one run took: the status line, wall time from the click, the worker's own times. */
interface RunTimes {
  readonly status: string;
  /** From the click to the end of the run, as the reader waits. */
  readonly ms: number;
  /** The worker's time for the cell alone. */
  readonly cellMs: number;
}

/** Clicks Run and waits for the run to end. */
async function run(page: Page, index: string, kind: LiveKind = "try-it"): Promise<RunTimes> {
  const section = page.locator(`section[data-${kind}="${index}"]`);
  const started = performance.now();
  await section.locator("button.run").click();
  await page.waitForFunction(
    ({ index, kind }) => {
      const doc = (globalThis as unknown as { document: PageNode }).document;
      const section = doc.querySelector(`section[data-${kind}="${index}"]`);
      return section !== null && !section.classList.contains("running") &&
        /Ran in|error|Cancelled/.test(section.querySelector(".run-status")?.textContent ?? "");
    },
    { index, kind },
    { timeout: RUN_TIMEOUT_MS },
  );
  const ms = performance.now() - started;
  return {
    status: (await section.locator(".run-status").textContent()) ?? "",
    ms,
    cellMs: Number(await section.getAttribute("data-cell-ms")),
  };
}

Deno.test({
  name: "a Try it cell run in the page draws the kernel's figure, and a changed knob redraws it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const site = await Deno.makeTempDir({ prefix: "site_test_" });
    const profile = await Deno.makeTempDir({ prefix: "site_test_profile_" });
    await exportSite(site, CHAPTERS);
    const expected = CHAPTERS.length > 0
      ? CHAPTERS.length
      : (await listNotebooks(NOTEBOOKS_DIR)).length;
    const server = await serveSite({ dir: site, port: 0 });
    const browser = await launchChromium({ userDataDir: profile });
    try {
      const pages = [...Deno.readDirSync(site)].map((entry) => entry.name)
        .filter((name) => /^\d.*\.html$/.test(name)).sort();
      assert.equal(pages.length, expected);
      const checkChapterPage = async (name: string, first: boolean): Promise<void> => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(server.url + name);
        const indices = await page.locator("section[data-try-it]").evaluateAll((nodes) =>
          nodes.map((node) => (node as unknown as PageNode).dataset.tryIt ?? "")
        );
        assert.ok(indices.length > 0, `${name} has no Try it cell`);
        await page.getByText("Open in JupyterLab to go further").waitFor();

        let knobsTurned = 0;
        const exportedOutputs = new Map<string, CellOutputs>();
        for (const index of indices) {
          const exported = await readOutputs(page, index);
          exportedOutputs.set(index, exported);
          assert.ok(
            exported.figures.length > 0 || exported.text !== "",
            `${name} cell ${index}: no exported output`,
          );

          const unchanged = await run(page, index);
          console.log(
            `${name} cell ${index}: unchanged run ${Math.round(unchanged.ms)} ms ` +
              `(the cell alone ${unchanged.cellMs} ms)`,
          );
          assert.match(unchanged.status, /^Ran in/, unchanged.status);
          const again = await readOutputs(page, index);
          assert.deepEqual(again.figures, exported.figures, `${name} cell ${index}: figure`);
          assert.equal(again.text, exported.text, `${name} cell ${index}: text output`);

          const editor = page.locator(`section[data-try-it="${index}"] textarea.source-edit`);
          const source = await editor.inputValue();
          const edit = chooseKnobEdit(source);
          if (edit === null) {
            // A cell with no `const NAME = <number>` knob is checked unchanged only; every
            // chapter must still have a knob that redraws (asserted below).
            console.log(`${name} cell ${index}: no numeric knob to change`);
            continue;
          }
          await editor.fill(applyKnobEdit(source, edit));
          const changed = await run(page, index);
          console.log(
            `${name} cell ${index}: ${edit.name} ${edit.before} → ${edit.after}, run ${
              Math.round(changed.ms)
            } ms (the cell alone ${changed.cellMs} ms)`,
          );
          assert.match(changed.status, /^Ran in/, changed.status);
          const redrawn = await readOutputs(page, index);
          assert.equal(redrawn.figures.length, exported.figures.length);
          assert.notDeepEqual(redrawn, exported, `${name} cell ${index}: nothing changed`);
          knobsTurned++;
        }
        assert.ok(knobsTurned > 0, `${name}: no Try it cell has a numeric knob`);

        // Exercises self-check in the page as in the notebook: each exercise cell with an
        // output, run unchanged, shows the output the kernel showed.
        const exercises = await page.locator("section[data-exercise]").evaluateAll((nodes) =>
          nodes.map((node) => (node as unknown as PageNode).dataset.exercise ?? "")
        );
        for (const index of exercises) {
          const exported = await readOutputs(page, index, "exercise");
          if (exported.figures.length === 0 && exported.text === "") continue;
          const checked = await run(page, index, "exercise");
          console.log(`${name} exercise cell ${index}: run ${Math.round(checked.ms)} ms`);
          assert.deepEqual(await readOutputs(page, index, "exercise"), exported);
        }

        if (first) {
          // Cancel stops a run that would never end; the next run starts a fresh worker,
          // runs the earlier cells again and draws the chapter's figure.
          const index = indices[0]!;
          const section = page.locator(`section[data-try-it="${index}"]`);
          const editor = section.locator("textarea.source-edit");
          // The exported code stays in the page, hidden under the editor.
          const source = (await section.locator("pre.source").textContent()) ?? "";
          await editor.fill("// Try it\nwhile (true) {}");
          await section.locator("button.run").click();
          await section.locator("button.cancel").click();
          await page.waitForFunction(
            (index) =>
              /Cancelled/.test(
                (globalThis as unknown as { document: PageNode }).document
                  .querySelector(`section[data-try-it="${index}"] .run-status`)?.textContent ?? "",
              ),
            index,
          );
          await section.locator("button.reset").click();
          assert.equal(await editor.inputValue(), source.replace(/\s+$/, ""));
          const fresh = await run(page, index);
          assert.match(fresh.status, /^Ran in/, fresh.status);
          assert.deepEqual(await readOutputs(page, index), exportedOutputs.get(index));
        }
        assert.deepEqual(errors, []);
        await page.close();
      };
      for (const name of pages) {
        // One step per chapter: a failing chapter does not hide the others'.
        await t.step(name, () => checkChapterPage(name, name === pages[0]));
      }

      // From a file: URL no worker can start: the page says how to serve the site.
      const page = await browser.newPage();
      await page.goto(`file://${join(site, pages[0]!)}`);
      await page.locator(".run-note").first().waitFor();
      assert.equal(await page.locator("button.run").count(), 0);
      assert.match(await page.locator(".run-note").first().innerText(), /deno task serve/);
      await page.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(site, { recursive: true }).catch(() => {});
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
