import assert from "node:assert/strict";
import { join } from "node:path";
import { countSvgElements, findRemoteResources } from "../../tools/html_page.ts";
import { ExportUsageError, parseExportArgs, selectChapters } from "../../tools/export.ts";
import { REPO_ROOT } from "../../tools/jupyter.ts";
import { runTool, type ToolRun } from "../run_tool.ts";

const FIXTURES = join(REPO_ROOT, "tests/fixtures/notebooks");

function exportCli(args: string[]): Promise<ToolRun> {
  return runTool("tools/export.ts", args);
}

Deno.test("export writes a linked, self-contained page per chapter and an index", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stderr } = await exportCli(["--notebooks", join(FIXTURES, "book"), "--out", out]);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /01_first_steps: running/);
    assert.match(stderr, /wrote 2 pages and index\.html/);
    const files = [...Deno.readDirSync(out)].map((entry) => entry.name).sort();
    assert.deepEqual(files, ["01_first_steps.html", "02_second_look.html", "index.html"]);

    const index = await Deno.readTextFile(join(out, "index.html"));
    assert.match(index, /href="01_first_steps\.html"><span class="number">1<\/span> First steps/);
    assert.match(index, /href="02_second_look\.html"><span class="number">2<\/span> A second look/);

    const first = await Deno.readTextFile(join(out, "01_first_steps.html"));
    const second = await Deno.readTextFile(join(out, "02_second_look.html"));
    assert.match(first, /rel="next" href="02_second_look\.html"/);
    assert.doesNotMatch(first, /rel="prev"/);
    assert.match(second, /rel="prev" href="01_first_steps\.html"/);
    for (const page of [first, second]) {
      assert.match(page, /href="index\.html"/);
      assert.equal(countSvgElements(page) >= 1, true);
      assert.deepEqual(findRemoteResources(page), []);
      assert.doesNotMatch(page, /<script/i);
    }
    // The markdown link to the next notebook points at its page; prose links stay.
    assert.match(first, /<a href="02_second_look\.html">a second look<\/a>/);
    assert.match(first, /<a href="https:\/\/en\.wikipedia\.org\//);
    assert.match(first, /20 rows/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("export exits 1 naming the chapter and the cell when a cell fails", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stderr } = await exportCli([
      "--notebooks",
      join(FIXTURES, "failing"),
      `--out=${out}`,
      "01",
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /Cannot run 01_throws\.ipynb: cell 2 failed \(first line: `\/\/ This cell fails on purpose\.`\)\nRangeError: answer is 42, expected 41/,
    );
    assert.deepEqual([...Deno.readDirSync(out)].map((entry) => entry.name), ["index.html"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("parseExportArgs reads --out, --notebooks and chapter names", () => {
  assert.deepEqual(parseExportArgs(["--out", "site", "03", "--notebooks=nb", "04_x"]), {
    outDir: "site",
    notebooksDir: "nb",
    chapters: ["03", "04_x"],
    help: false,
  });
  assert.throws(() => parseExportArgs(["--out"]), ExportUsageError);
  assert.throws(() => parseExportArgs(["--fast"]), /Cannot parse --fast: unknown option/);
});

Deno.test("selectChapters matches numbers, slugs, file names and paths", () => {
  const paths = ["nb/01_intro.ipynb", "nb/02_time.ipynb", "nb/03_clocks.ipynb"];
  assert.deepEqual(selectChapters(paths, [], "nb"), [0, 1, 2]);
  assert.deepEqual(
    selectChapters(paths, ["03", "02_time.ipynb", "other/01_intro.ipynb"], "nb"),
    [0, 1, 2],
  );
  assert.deepEqual(selectChapters(paths, ["02_time"], "nb"), [1]);
  assert.throws(
    () => selectChapters(paths, ["07"], "nb"),
    /Cannot export 07: no such chapter in .*\(chapters: 01_intro, 02_time, 03_clocks\)/,
  );
});
