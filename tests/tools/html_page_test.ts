import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ansiToHtml,
  countSvgElements,
  escapeHtml,
  exerciseCells,
  figureOutputCount,
  findRemoteResources,
  FOLD_TAG,
  highlightTypeScript,
  notebookSummary,
  notebookTitle,
  renderChapterPage,
  renderIndexPage,
} from "../../tools/html_page.ts";
import { type Cell, type Notebook, type Output, stripAnsi } from "../../tools/notebook_json.ts";

const SVG = '<svg viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>';
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function notebook(cells: Cell[]): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

function code(source: string, outputs: Output[] = [], tags?: string[]): Cell {
  return {
    cell_type: "code",
    source,
    outputs,
    execution_count: 1,
    metadata: tags ? { tags } : {},
  };
}

function markdown(source: string): Cell {
  return { cell_type: "markdown", source, metadata: {} };
}

/** Text content of highlighted or ANSI-converted HTML. */
function textOf(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

const executed = notebook([
  markdown(
    "# Lost messages\n\nWhat happens when *20%* of messages are lost? See [the next one](02_next.ipynb#top).",
  ),
  code("const xs = [1, 2];\nxs.length < 3 && `a ${1}`", [
    { output_type: "stream", name: "stdout", text: ["loss <b>20%</b>\n"] },
    {
      output_type: "execute_result",
      data: { "text/plain": "\u001b[33m2\u001b[39m" },
      execution_count: 1,
    },
  ]),
  markdown("## A figure"),
  code("plot()", [{
    output_type: "display_data",
    data: { "image/svg+xml": SVG, "text/plain": "svg" },
  }]),
  code("figure()", [{
    output_type: "display_data",
    data: { "text/html": `<figure><h2>Title</h2>${SVG}</figure>` },
  }]),
  code("png()", [{
    output_type: "display_data",
    data: { "image/png": PNG, "text/plain": "a dot" },
  }]),
  code("boom()", [{
    output_type: "error",
    ename: "Error",
    evalue: "boom",
    traceback: ["Error: boom", "    at <anonymous>:1:1"],
  }]),
  code("hidden()", [{ output_type: "stream", name: "stdout", text: "shown" }], ["remove-input"]),
]);

const page = renderChapterPage(executed, {
  slug: "01_lost_messages",
  previous: { slug: "00_start", title: "Start" },
  next: { slug: "02_next", title: "Next <one>" },
});

Deno.test("renderChapterPage renders markdown, escaped code, text and rich outputs", () => {
  assert.match(page, /<h1 id="lost-messages">Lost messages<\/h1>/);
  assert.match(page, /<em>20%<\/em>/);
  assert.match(page, /xs\.length &lt; <span class="tok-number">3<\/span> &amp;&amp;/);
  assert.match(page, /<pre class="output stream stdout">loss &lt;b&gt;20%&lt;\/b&gt;<\/pre>/);
  assert.match(page, /<span class="ansi-yellow">2<\/span>/);
  assert.match(page, /<div class="output figure"><svg viewBox/);
  assert.match(page, /<div class="output html"><figure><h2>Title<\/h2><svg/);
  assert.match(page, /<img src="data:image\/png;base64,iVBOR[^"]+" alt="a dot">/);
  assert.match(page, /<pre class="output error">Error: boom\n {4}at &lt;anonymous&gt;:1:1<\/pre>/);
});

Deno.test("renderChapterPage links to the index and the previous and next chapters", () => {
  assert.match(page, /<a rel="prev" href="00_start\.html"/);
  assert.match(page, /<a rel="next" href="02_next\.html" title="Next &lt;one&gt;"/);
  assert.match(page, /<a class="next" rel="next" href="02_next\.html">.*2\. Next &lt;one&gt;/);
  assert.ok((page.match(/href="index\.html"/g) ?? []).length >= 2);
  assert.match(page, /<title>1\. Lost messages · /);
});

Deno.test("renderChapterPage points links to other chapters at their pages", () => {
  assert.match(page, /<a href="02_next\.html#top">the next one<\/a>/);
});

Deno.test("renderChapterPage honours remove-input and omits missing neighbours", () => {
  assert.doesNotMatch(page, /hidden\(\)/);
  assert.match(page, />shown<\/pre>/);
  const first = renderChapterPage(notebook([markdown("# Only")]), { slug: "01_only" });
  assert.doesNotMatch(first, /rel="prev"|rel="next"/);
});

Deno.test("renderChapterPage folds hide-input code behind a details toggle, outputs shown", () => {
  const html = renderChapterPage(
    notebook([
      code("const plumbing = 1;\nplumbing", [{
        output_type: "stream",
        name: "stdout",
        text: "visible output",
      }], [FOLD_TAG]),
      code("const KNOB = 2;"),
    ]),
    { slug: "x" },
  );
  assert.match(
    html,
    /<details class="code-fold"><summary>show code \(2 lines\)<\/summary><pre class="source">.*plumbing/s,
  );
  assert.match(
    html,
    /<\/details>\n<div class="outputs">\n<pre class="output stream stdout">visible output/,
  );
  assert.match(html, /<section class="cell code">\n<pre class="source">.*KNOB/);
  assert.equal(html.match(/<details class="code-fold">/g)?.length, 1);
  assert.doesNotMatch(html, /<script/i);
});

Deno.test("renderChapterPage makes a page with no scripts and no network references", () => {
  assert.doesNotMatch(page, /<script/i);
  assert.deepEqual(findRemoteResources(page), []);
});

Deno.test("renderChapterPage keeps $math$ as text instead of emphasis", () => {
  const html = renderChapterPage(notebook([markdown("When $t_1 < t_2$ and $5 or $10.")]), {
    slug: "x",
  });
  assert.match(html, /<span class="math">t_1 &lt; t_2<\/span>/);
  assert.match(html, /\$5 or \$10/);
});

Deno.test("figureOutputCount counts SVG images and HTML holding an SVG, nothing else", () => {
  assert.equal(figureOutputCount(executed), 2);
  assert.equal(countSvgElements(page), 2);
});

Deno.test("countSvgElements ignores SVG markup shown as code", () => {
  const html = renderChapterPage(notebook([code('const s = "<svg></svg>";')]), { slug: "x" });
  assert.equal(countSvgElements(html), 0);
});

Deno.test("notebookTitle takes the first # heading of the first markdown cell", () => {
  assert.equal(notebookTitle(executed, "fallback"), "Lost messages");
  assert.equal(
    notebookTitle(notebook([markdown("Intro\n\n# The *real* title ##")]), "x"),
    "The real title",
  );
  assert.equal(notebookTitle(notebook([markdown("## Not a title")]), "fallback"), "fallback");
  assert.equal(notebookTitle(notebook([code("# not markdown")]), "fallback"), "fallback");
});

Deno.test("notebookSummary renders the first paragraph of the first markdown cell", () => {
  assert.match(notebookSummary(executed), /^What happens when <em>20%<\/em> of messages/);
  assert.equal(notebookSummary(notebook([])), "");
});

Deno.test("renderIndexPage lists every chapter in order with its link", () => {
  const html = renderIndexPage([
    { slug: "01_a", title: "Alpha", summaryHtml: "First." },
    { slug: "02_b", title: "Beta & co" },
  ], { courseTitle: "Course" });
  const alpha = html.indexOf('href="01_a.html"');
  const beta = html.indexOf('href="02_b.html"');
  assert.ok(alpha > 0 && beta > alpha);
  assert.match(html, /Beta &amp; co/);
  assert.match(html, /<p>First\.<\/p>/);
  assert.match(renderIndexPage([]), /No chapters yet/);
});

Deno.test("findRemoteResources finds every kind of network reference", () => {
  const html = `
    <script src="https://cdn.example/require.js"></script>
    <link rel="stylesheet" href="https://fonts.example/css">
    <img srcset="local.png 1x, //cdn.example/big.png 2x">
    <iframe src="http://example.com/"></iframe>
    <svg><image href="https://example.com/a.png"/><use xlink:href="https://x.example/s.svg#i"/></svg>
    <div style="background: url('https://example.com/bg.png')"></div>
    <style>@import "https://example.com/base.css"; @font-face { src: url(https://f.example/a.woff2); }</style>
  `;
  const found = findRemoteResources(html);
  for (
    const expected of [
      "require.js",
      "fonts.example/css",
      "//cdn.example/big.png",
      "http://example.com/",
      "example.com/a.png",
      "x.example/s.svg",
      "bg.png",
      "base.css",
      "a.woff2",
    ]
  ) {
    assert.ok(found.some((line) => line.includes(expected)), `missed ${expected} in ${found}`);
  }
  assert.equal(found.length, 9);
});

Deno.test("findRemoteResources allows hyperlinks, namespaces, local urls and code text", () => {
  const html = `
    <p>Read <a href="https://raft.github.io/">the Raft site</a>.</p>
    <svg xmlns="http://www.w3.org/2000/svg"><g clip-path="url(#clip1)"></g></svg>
    <img src="data:image/png;base64,AAAA"><link rel="icon" href="favicon.ico">
    <pre><code>&lt;script src="https://cdn.example/x.js"&gt;  url(https://in.code/)</code></pre>
    <style>.a { background: url(data:image/png;base64,AAAA) }</style>
  `;
  assert.deepEqual(findRemoteResources(html), []);
});

Deno.test("highlightTypeScript changes markup only, never the code's text", () => {
  fc.assert(
    fc.property(fc.string(), (code) => {
      assert.equal(textOf(highlightTypeScript(code)), code);
    }),
  );
  assert.equal(
    highlightTypeScript('const s = "x"; // note'),
    '<span class="tok-keyword">const</span> s = <span class="tok-string">&quot;x&quot;</span>; ' +
      '<span class="tok-comment">// note</span>',
  );
});

Deno.test("ansiToHtml colours text and drops escape sequences, keeping the text", () => {
  assert.equal(
    ansiToHtml("\u001b[1m\u001b[31mError\u001b[0m: <x>"),
    '<span class="ansi-red ansi-bold">Error</span>: &lt;x&gt;',
  );
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.string(), fc.constantFrom("\u001b[33m", "\u001b[0m", "\u001b[38;5;245m")),
      ),
      (parts) => {
        const text = parts.join("");
        const plain = stripAnsi(text);
        assert.equal(textOf(ansiToHtml(text)), plain);
      },
    ),
  );
});

Deno.test("escapeHtml escapes the characters that matter in content and attributes", () => {
  assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
});

const RUNTIME = { page: "assets/page.js", worker: "assets/worker.js" };

Deno.test("with a runtime, a chapter with Try it cells gains only marks and scripts", () => {
  const chapter = notebook([
    markdown("# Live"),
    code('import { x } from "../lib/mod.ts";\nconst SEED = 7;', [], [FOLD_TAG]),
    code("// Try it\nconst SEED_TRY = 7;\nx(SEED_TRY, '</script><!--')", [{
      output_type: "display_data",
      data: { "text/html": `<figure>${SVG}</figure>` },
    }]),
    code("const other = 1; // not a Try it cell"),
  ]);
  const plain = renderChapterPage(chapter, { slug: "05_live" });
  const live = renderChapterPage(chapter, { slug: "05_live", runtime: RUNTIME });
  assert.match(live, /<section class="cell code" data-try-it="2">/);
  assert.equal(live.match(/data-try-it=/g)?.length, 1);
  assert.match(live, /<script src="assets\/page\.js" defer><\/script>\n<\/body>/);
  assert.deepEqual(findRemoteResources(live), []);

  // The embedded cells are every code cell, and no cell text can end the script element.
  const json = /<script type="application\/json" id="notebook-cells">(.*?)<\/script>/s.exec(live);
  assert.ok(json);
  assert.doesNotMatch(json[1]!, /</);
  assert.deepEqual(JSON.parse(json[1]!), {
    worker: "assets/worker.js",
    cells: [
      { index: 1, source: 'import { x } from "../lib/mod.ts";\nconst SEED = 7;' },
      { index: 2, source: "// Try it\nconst SEED_TRY = 7;\nx(SEED_TRY, '</script><!--')" },
      { index: 3, source: "const other = 1; // not a Try it cell" },
    ],
  });

  // Take the additions away and the page is byte for byte the page without a runtime.
  const stripped = live.replace(/ data-try-it="\d+"/g, "")
    .replace(/<script type="application\/json"[^]*?<\/script>\n<script [^>]*><\/script>\n/, "");
  assert.equal(stripped, plain);
});

Deno.test("with a runtime, a chapter without Try it cells has no script", () => {
  const page = renderChapterPage(notebook([markdown("# Still"), code("1 + 1")]), {
    slug: "06_still",
    runtime: RUNTIME,
  });
  assert.doesNotMatch(page, /<script|data-try-it/);
});

Deno.test("exercise templates and their self-checks are marked live", () => {
  const chapter = notebook([
    markdown("# Exercises"),
    code("function pick(xs: number[]): number {\n  // TODO: pick one\n  return 0;\n}"),
    markdown("Check it:"),
    code("checkPick(pick)", [{ output_type: "stream", name: "stdout", text: "not yet" }]),
    code("const SMALLEST = 4; // TODO: how many?\ncheckSmallest(SMALLEST)"),
    code("const unrelated = 1;"),
  ]);
  assert.deepEqual([...exerciseCells(chapter)], [1, 3, 4]);
  const live = renderChapterPage(chapter, { slug: "07_ex", runtime: RUNTIME });
  assert.deepEqual([...live.matchAll(/data-exercise="(\d+)"/g)].map((m) => m[1]), ["1", "3", "4"]);
  assert.match(live, /<script src="assets\/page\.js" defer>/);
});
