/**
 * Renders executed notebooks as self-contained HTML pages: no scripts, no network, one
 * inline stylesheet. Markdown goes through `marked`, code gets a small TypeScript
 * highlighter, outputs are rendered by MIME type (HTML and SVG inlined, PNG/JPEG as data
 * URIs, text escaped, errors in red). Also holds the checks the notebook test applies to a
 * page: how many SVG figures it has and which resources it would fetch from the network.
 *
 * @module
 */
import { Marked, type Tokens } from "marked";
import { parseHTML } from "linkedom";
import { highlightTypeScript } from "../web/highlight.ts";
import {
  type Cell,
  cellTags,
  chapterSlug,
  type DataOutput,
  isRecord,
  joinText,
  type MimeBundle,
  type Notebook,
  type Output,
} from "./notebook_json.ts";

/** A chapter as pages and the index refer to it. */
export interface ChapterRef {
  /** File name without extension ("01_what_is_a_distributed_system"); the page is `<slug>.html`. */
  readonly slug: string;
  /** The chapter's title (see {@link notebookTitle}). */
  readonly title: string;
}

/** Options for {@link renderChapterPage}. */
export interface ChapterPageOptions {
  /** The chapter's slug; names the page and its source notebook. */
  readonly slug: string;
  /** The page title. Default: {@link notebookTitle} of the notebook. */
  readonly title?: string;
  /** The course's name, shown above every page. Default {@link DEFAULT_COURSE_TITLE}. */
  readonly courseTitle?: string;
  /** The chapter before this one, if any. */
  readonly previous?: ChapterRef;
  /** The chapter after this one, if any. */
  readonly next?: ChapterRef;
  /** The notebook's path as the footer names it. Default `notebooks/<slug>.ipynb`. */
  readonly sourceName?: string;
  /**
   * The scripts that let a reader edit and run the chapter's Try it cells and exercises in
   * the page. When given and the chapter has one, the page marks those cells
   * (`data-try-it="<cell index>"`, `data-exercise="<cell index>"`, see
   * {@link exerciseCells}), embeds every code cell's source as JSON and loads the page
   * script; with scripts off it reads exactly as without. Default: no scripts.
   */
  readonly runtime?: PageRuntime;
}

/** Where a page's in-browser runtime lives, relative to the page. */
export interface PageRuntime {
  /** The page script (a classic script). */
  readonly page: string;
  /** The module worker that runs cells. */
  readonly worker: string;
}

/**
 * Whether a cell is a "Try it" cell: a code cell whose first non-blank line is a
 * `// Try it` comment, or one tagged `try-it` where a comment does not fit.
 */
export function isTryItCell(cell: Cell): boolean {
  if (cell.cell_type !== "code") return false;
  if (cellTags(cell).includes("try-it")) return true;
  return /^\/\/\s*try it\b/i.test(joinText(cell.source).trimStart());
}

/**
 * The notebook indices of a chapter's exercise cells, which a page with a runtime makes live
 * (`data-exercise`): each exercise template (a code cell holding a `TODO`) and its
 * self-check, the first of the next two code cells that calls a `check...` function.
 */
export function exerciseCells(notebook: Notebook): Set<number> {
  const code = notebook.cells.flatMap((cell, index) =>
    cell.cell_type === "code" && !isTryItCell(cell)
      ? [{ index, source: joinText(cell.source) }]
      : []
  );
  const found = new Set<number>();
  code.forEach((cell, k) => {
    if (!/\bTODO\b/.test(cell.source)) return;
    found.add(cell.index);
    const check = code.slice(k + 1, k + 3).find((next) =>
      /^\s*(?:await\s+)?check[A-Z]\w*\(/m.test(next.source.replace(/^\s*\/\/.*$/gm, ""))
    );
    if (check) found.add(check.index);
  });
  return found;
}

/** Options for {@link renderIndexPage}. */
export interface IndexPageOptions {
  /** The course's name. Default {@link DEFAULT_COURSE_TITLE}. */
  readonly courseTitle?: string;
}

/** One chapter on the index page. */
export interface IndexEntry extends ChapterRef {
  /** The chapter's first paragraph, as inline HTML (see {@link notebookSummary}). */
  readonly summaryHtml?: string;
}

/** The course's name when none is given. */
export const DEFAULT_COURSE_TITLE = "Distributed systems you can run";

/**
 * The chapter's title: the text of the first `# ` heading in its first markdown cell, or
 * `fallback` when there is none.
 *
 * @example
 * ```ts
 * notebookTitle(notebook, "01_intro"); // "What is a distributed system?"
 * ```
 */
export function notebookTitle(notebook: Notebook, fallback: string): string {
  const first = notebook.cells.find((cell) => cell.cell_type === "markdown");
  if (!first) return fallback;
  const match = /^#[ \t]+(.+?)[ \t#]*$/m.exec(joinText(first.source));
  return match?.[1] ? plainText(match[1]) : fallback;
}

/**
 * The first paragraph of the chapter's first markdown cell (after its title), rendered as
 * inline HTML, for the index; empty when there is none.
 */
export function notebookSummary(notebook: Notebook): string {
  const first = notebook.cells.find((cell) => cell.cell_type === "markdown");
  if (!first) return "";
  const paragraph = createMarked().lexer(joinText(first.source)).find((
    token,
  ): token is Tokens.Paragraph => token.type === "paragraph");
  return paragraph ? createMarked().parseInline(paragraph.text, { async: false }) : "";
}

/**
 * Renders an executed notebook as a complete, self-contained HTML page.
 *
 * Cells tagged `remove-cell`, `remove-input` or `remove-output` lose the part named; code
 * cells tagged `hide-input` ({@link FOLD_TAG}) keep their source folded behind a "show code"
 * toggle (a plain `<details>` element, no script) with their outputs shown below it.
 *
 * @example
 * ```ts
 * const html = renderChapterPage(notebook, {
 *   slug: "02_time",
 *   previous: { slug: "01_intro", title: "Introduction" },
 * });
 * ```
 */
export function renderChapterPage(notebook: Notebook, options: ChapterPageOptions): string {
  const courseTitle = options.courseTitle ?? DEFAULT_COURSE_TITLE;
  const title = options.title ?? notebookTitle(notebook, options.slug);
  const marked = createMarked();
  const exercises = exerciseCells(notebook);
  const live = options.runtime !== undefined &&
    (notebook.cells.some(isTryItCell) || exercises.size > 0);
  const body = notebook.cells.map((cell, index) =>
    renderCell(
      cell,
      marked,
      !live
        ? ""
        : isTryItCell(cell)
        ? ` data-try-it="${index}"`
        : exercises.has(index)
        ? ` data-exercise="${index}"`
        : "",
    )
  ).filter(Boolean).join("\n");
  const number = chapterNumber(options.slug);
  return page({
    title: number ? `${number}. ${title} · ${courseTitle}` : `${title} · ${courseTitle}`,
    body: [
      siteHeader(courseTitle, options),
      `<main class="chapter">`,
      number ? `<p class="eyebrow">Chapter ${escapeHtml(number)}</p>` : "",
      body,
      `</main>`,
      pager(options),
      `<footer class="site-footer">Rendered from <code>${
        escapeHtml(options.sourceName ?? `notebooks/${options.slug}.ipynb`)
      }</code>; open it with <code>deno task lab</code> to run it and change it.</footer>`,
      live ? runtimeScripts(notebook, options.runtime!) : "",
    ].filter(Boolean).join("\n"),
  });
}

/** Renders the index page: the course title and every chapter with its link and summary. */
export function renderIndexPage(
  chapters: readonly IndexEntry[],
  options: IndexPageOptions = {},
): string {
  const courseTitle = options.courseTitle ?? DEFAULT_COURSE_TITLE;
  const items = chapters.map((chapter) => {
    const number = chapterNumber(chapter.slug);
    const summary = chapter.summaryHtml ? `\n<p>${chapter.summaryHtml}</p>` : "";
    return `<li><a href="${escapeHtml(chapter.slug)}.html"><span class="number">${
      escapeHtml(number)
    }</span> ${escapeHtml(chapter.title)}</a>${summary}</li>`;
  });
  const list = items.length > 0
    ? `<ol class="toc">\n${items.join("\n")}\n</ol>`
    : `<p>No chapters yet.</p>`;
  return page({
    title: courseTitle,
    body: [
      `<main class="index">`,
      `<h1>${escapeHtml(courseTitle)}</h1>`,
      `<p class="lede">Each chapter explains one idea, runs an experiment on simulated nodes, ` +
      `plots the result and checks the claim it makes. These pages were rendered from the ` +
      `notebooks; to change a parameter and run a chapter yourself, open them with ` +
      `<code>deno task lab</code>.</p>`,
      list,
      `</main>`,
    ].join("\n"),
  });
}

/**
 * How many outputs of an executed notebook are figures: an SVG image, or HTML that holds
 * an `<svg>` (a Plot figure with a title or legend).
 */
export function figureOutputCount(notebook: Notebook): number {
  let count = 0;
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") {
        continue;
      }
      const data = output.data ?? {};
      if ("image/svg+xml" in data || /<svg[\s>]/i.test(joinText(mimeText(data["text/html"])))) {
        count++;
      }
    }
  }
  return count;
}

/** How many `<svg` elements an HTML page holds (escaped code does not count). */
export function countSvgElements(html: string): number {
  return html.match(/<svg[\s>]/gi)?.length ?? 0;
}

/**
 * Every reference in an HTML page that a browser would fetch from the network: `src`,
 * `srcset`, `poster` and `<object data>` attributes, `href` on anything but a hyperlink
 * (`<link>`, SVG `<image>`/`<use>`, `<base>`), and `url(...)` or `@import` in `<style>`
 * elements and `style` attributes. Plain hyperlinks (`<a href="https://...">`) are not
 * resources and are allowed, as is text in code blocks.
 *
 * @returns One description per reference (`<script src="https://cdn.example/x.js">`).
 *
 * @example
 * ```ts
 * findRemoteResources('<img src="https://example.com/a.png">');
 * // ['<img src="https://example.com/a.png">']
 * ```
 */
export function findRemoteResources(html: string): string[] {
  const { document } = parseHTML(
    html.includes("<html") ? html : `<html><body>${html}</body></html>`,
  ) as unknown as ParsedPage;
  const found: string[] = [];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    for (const { name, value } of Array.from(element.attributes)) {
      const attribute = name.toLowerCase();
      const urls = attribute === "srcset"
        ? value.split(",").map((part) => part.trim().split(/\s+/)[0] ?? "")
        : [value];
      const fetched = ["src", "srcset", "poster", "background"].includes(attribute) ||
        (attribute === "data" && tag === "object") ||
        ((attribute === "href" || attribute === "xlink:href") && tag !== "a" && tag !== "area");
      if (fetched) {
        for (const url of urls) {
          if (isRemote(url)) found.push(`<${tag} ${attribute}="${url}">`);
        }
      } else if (attribute === "style") {
        for (const url of cssRemoteUrls(value)) found.push(`<${tag} style="...${url}...">`);
      }
    }
    if (tag === "style") {
      for (const url of cssRemoteUrls(element.textContent ?? "")) {
        found.push(`<style> ${url}`);
      }
    }
  }
  return found;
}

/** The part of linkedom's DOM the resource scan uses (Deno's types have no DOM). */
interface ParsedPage {
  readonly document: {
    querySelectorAll(selector: string): Iterable<{
      readonly tagName: string;
      readonly attributes: ArrayLike<{ readonly name: string; readonly value: string }>;
      readonly textContent: string | null;
    }>;
  };
}

function isRemote(url: string): boolean {
  return /^\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(url) && !/^\s*file:/i.test(url);
}

function cssRemoteUrls(css: string): string[] {
  const urls: string[] = [];
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    if (isRemote(match[2] ?? "")) urls.push(`url(${match[2]})`);
  }
  for (const match of css.matchAll(/@import\s+(?:url\(\s*)?(['"]?)([^'");\s]+)\1/gi)) {
    if (isRemote(match[2] ?? "")) urls.push(`@import ${match[2]}`);
  }
  return urls;
}

// ---------------------------------------------------------------------------------------
// Cells and outputs

/**
 * The embedded code cells (see web/messages.ts, `PageData`) and the page script. `<` is
 * escaped in the JSON so that no cell's text can close the script element.
 */
function runtimeScripts(notebook: Notebook, runtime: PageRuntime): string {
  const cells = notebook.cells.flatMap((cell, index) =>
    cell.cell_type === "code" ? [{ index, source: joinText(cell.source) }] : []
  );
  const json = JSON.stringify({ worker: runtime.worker, cells }).replace(/</g, "\\u003c");
  return `<script type="application/json" id="notebook-cells">${json}</script>\n` +
    `<script src="${escapeHtml(runtime.page)}" defer></script>`;
}

/** Renders a cell; `liveMark` is the attribute that marks a cell the page makes live. */
function renderCell(cell: Cell, marked: Marked, liveMark = ""): string {
  const tags = cellTags(cell);
  if (tags.includes("remove-cell")) return "";
  const source = joinText(cell.source);
  if (cell.cell_type === "markdown") {
    if (source.trim() === "") return "";
    const html = marked.parse(withAttachments(source, cell), { async: false });
    return `<section class="cell markdown">\n${html}</section>`;
  }
  if (cell.cell_type === "raw") {
    const format = cell.metadata?.format;
    return format === "text/html" ? `<section class="cell raw">${source}</section>` : "";
  }
  if (source.trim() === "" && (cell.outputs ?? []).length === 0) return "";
  const input = tags.includes("remove-input") || source.trim() === "" ? "" : foldedIf(
    tags.includes(FOLD_TAG),
    `<pre class="source"><code class="language-ts">${
      highlightTypeScript(source.replace(/\s+$/, ""))
    }</code></pre>`,
    source.trim().split("\n").length,
  );
  const outputs = tags.includes("remove-output")
    ? ""
    : (cell.outputs ?? []).map((output) => renderOutput(output, marked)).join("\n");
  if (input === "" && outputs === "") return "";
  return `<section class="cell code"${liveMark}>\n${input}${
    outputs ? `\n<div class="outputs">\n${outputs}\n</div>` : ""
  }\n</section>`;
}

/**
 * The cell tag that folds a code cell's source behind a "show code" toggle on the page
 * (Jupyter Book's name for it). Chapters put it on set-up and plumbing (imports, plotting
 * options, tables, claim cells); code a reader should read (the rule being taught, the Try
 * it knobs, exercise templates) carries no tag and stays open. The notebook itself shows
 * every cell; only the exported page folds.
 */
export const FOLD_TAG = "hide-input";

function foldedIf(fold: boolean, sourceHtml: string, lines: number): string {
  if (!fold) return sourceHtml;
  return `<details class="code-fold"><summary>show code (${lines} line${
    lines === 1 ? "" : "s"
  })</summary>${sourceHtml}</details>`;
}

function renderOutput(output: Output, marked: Marked): string {
  switch (output.output_type) {
    case "stream": {
      const stream = output.name === "stderr" ? "stderr" : "stdout";
      return `<pre class="output stream ${stream}">${
        ansiToHtml(joinText(output.text).replace(/\n$/, ""))
      }</pre>`;
    }
    case "error": {
      const traceback = (output.traceback ?? []).join("\n");
      const text = traceback.trim() !== "" ? traceback : `${output.ename}: ${output.evalue}`;
      return `<pre class="output error">${ansiToHtml(text)}</pre>`;
    }
    case "display_data":
    case "execute_result":
      return renderData(output, marked);
    default:
      return "";
  }
}

function renderData(output: DataOutput, marked: Marked): string {
  const data = output.data ?? {};
  const html = mimeText(data["text/html"]);
  if (html !== undefined) return `<div class="output html">${html}</div>`;
  const markdown = mimeText(data["text/markdown"]);
  if (markdown !== undefined) {
    return `<div class="output markdown">${marked.parse(markdown, { async: false })}</div>`;
  }
  const svg = mimeText(data["image/svg+xml"]);
  if (svg !== undefined) {
    const inline = svg.replace(/<\?xml[^>]*\?>/g, "").replace(/<!DOCTYPE[^>]*>/gi, "").trim();
    return `<div class="output figure">${inline}</div>`;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    const base64 = mimeText(data[mime]);
    if (base64 !== undefined) {
      const alt = mimeText(data["text/plain"]) ?? "figure";
      return `<div class="output figure"><img src="data:${mime};base64,${
        base64.replace(/\s+/g, "")
      }" alt="${escapeHtml(alt)}"></div>`;
    }
  }
  const json = data["application/json"];
  if (json !== undefined) {
    return `<pre class="output text">${escapeHtml(JSON.stringify(json, null, 2))}</pre>`;
  }
  const text = mimeText(data["text/plain"]);
  if (text !== undefined) return `<pre class="output text">${ansiToHtml(text)}</pre>`;
  return "";
}

function mimeText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((line) => typeof line === "string")) {
    return value.join("");
  }
  return undefined;
}

function withAttachments(markdown: string, cell: Cell): string {
  const attachments = cell.attachments;
  if (!isRecord(attachments)) return markdown;
  return markdown.replace(/attachment:([^\s)"'>]+)/g, (whole, name: string) => {
    const bundle = attachments[name] as MimeBundle | undefined;
    if (!bundle) return whole;
    const mime = Object.keys(bundle).find((key) => key.startsWith("image/"));
    const content = mime ? mimeText(bundle[mime]) : undefined;
    if (!mime || content === undefined) return whole;
    return mime === "image/svg+xml"
      ? `data:${mime};base64,${btoa(unescape(encodeURIComponent(content)))}`
      : `data:${mime};base64,${content.replace(/\s+/g, "")}`;
  });
}

// ---------------------------------------------------------------------------------------
// Markdown

function createMarked(): Marked {
  const usedIds = new Set<string>();
  const marked = new Marked({ gfm: true });
  marked.use({
    extensions: [
      {
        // $$ ... $$ on lines of its own: kept as text, safe from emphasis parsing.
        name: "blockMath",
        level: "block",
        start: (src: string) => src.match(/^\$\$/m)?.index,
        tokenizer(src: string) {
          const match = /^\$\$([\s\S]+?)\$\$[ \t]*(?:\n|$)/.exec(src);
          return match
            ? { type: "blockMath", raw: match[0], text: match[1]?.trim() ?? "" }
            : undefined;
        },
        renderer: (token) => `<div class="math display">${escapeHtml(String(token.text))}</div>\n`,
      },
      {
        // $...$ with no space inside the dollars and no digit after ("$5 and $10" is not math).
        name: "inlineMath",
        level: "inline",
        start: (src: string) => src.indexOf("$") >= 0 ? src.indexOf("$") : undefined,
        tokenizer(src: string) {
          const match = /^\$(?!\s)((?:\\\$|[^$\n])+?)(?<!\s)\$(?!\d)/.exec(src);
          return match ? { type: "inlineMath", raw: match[0], text: match[1] ?? "" } : undefined;
        },
        renderer: (token) => `<span class="math">${escapeHtml(String(token.text))}</span>`,
      },
    ],
    renderer: {
      heading(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token) {
        const inner = this.parser.parseInline(token.tokens);
        const id = uniqueId(slugify(plainText(token.text)), usedIds);
        return `<h${token.depth} id="${id}">${inner}</h${token.depth}>\n`;
      },
      link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token) {
        const inner = this.parser.parseInline(token.tokens);
        // Links between chapters point at notebooks; on the site they point at pages.
        const href = /^[^:/?#]+\.ipynb(#.*)?$/.test(token.href)
          ? token.href.replace(/\.ipynb(?=#|$)/, ".html")
          : token.href;
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : "";
        return `<a href="${escapeHtml(href)}"${title}>${inner}</a>`;
      },
    },
  });
  return marked;
}

function slugify(text: string): string {
  const slug = text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug || "section";
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

function plainText(markdown: string): string {
  return markdown.replace(/[*_`]/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").trim();
}

function chapterNumber(slug: string): string {
  const match = /^(\d+)/.exec(chapterSlug(slug));
  return match?.[1] ? String(Number(match[1])) : "";
}

// ---------------------------------------------------------------------------------------
// Text helpers

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml(`a < b && "c"`); // "a &lt; b &amp;&amp; &quot;c&quot;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const ANSI_COLORS = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/**
 * Escapes terminal output for HTML, turning ANSI colour and bold codes into spans with
 * `ansi-*` classes and dropping every other escape sequence.
 *
 * @example
 * ```ts
 * ansiToHtml("\u001b[33m42\u001b[39m"); // '<span class="ansi-yellow">42</span>'
 * ```
 */
export function ansiToHtml(text: string): string {
  let html = "";
  let color = "";
  let bold = false;
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk === "") return;
    const classes = [color && `ansi-${color}`, bold && "ansi-bold"].filter(Boolean);
    html += classes.length > 0
      ? `<span class="${classes.join(" ")}">${escapeHtml(chunk)}</span>`
      : escapeHtml(chunk);
  };
  // deno-lint-ignore no-control-regex -- matching the escape character is the point
  for (const match of text.matchAll(/\u001b\[([0-9;?]*)([A-Za-z])/g)) {
    emit(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== "m") continue;
    const codes = (match[1] || "0").split(";").map(Number);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] ?? 0;
      if (code === 0) [color, bold] = ["", false];
      else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code >= 30 && code <= 37) color = ANSI_COLORS[code - 30] ?? "";
      else if (code >= 90 && code <= 97) color = `bright-${ANSI_COLORS[code - 90]}`;
      else if (code === 39) color = "";
      // 256-colour and true-colour forms carry arguments: skip them, keep the text plain.
      else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4;
    }
  }
  emit(text.slice(last));
  return html;
}

export { highlightTypeScript };

// ---------------------------------------------------------------------------------------
// Page frame

function siteHeader(courseTitle: string, options?: ChapterPageOptions): string {
  const links = options === undefined
    ? ""
    : `<nav class="header-nav" aria-label="Chapters">${
      options.previous
        ? `<a rel="prev" href="${escapeHtml(options.previous.slug)}.html" title="${
          escapeHtml(options.previous.title)
        }">← Previous</a>`
        : ""
    }<a href="index.html">Contents</a>${
      options.next
        ? `<a rel="next" href="${escapeHtml(options.next.slug)}.html" title="${
          escapeHtml(options.next.title)
        }">Next →</a>`
        : ""
    }</nav>`;
  return `<header class="site-header"><a class="course" href="index.html">${
    escapeHtml(courseTitle)
  }</a>${links}</header>`;
}

function pager(options: ChapterPageOptions): string {
  const link = (chapter: ChapterRef | undefined, rel: "prev" | "next") => {
    if (!chapter) return `<span class="${rel} empty"></span>`;
    const direction = rel === "prev" ? "← Previous" : "Next →";
    const number = chapterNumber(chapter.slug);
    return `<a class="${rel}" rel="${rel}" href="${escapeHtml(chapter.slug)}.html">` +
      `<span class="direction">${direction}</span>` +
      `<span class="title">${number ? `${escapeHtml(number)}. ` : ""}${
        escapeHtml(chapter.title)
      }</span></a>`;
  };
  return `<nav class="pager" aria-label="Chapters">${link(options.previous, "prev")}` +
    `<a class="contents" href="index.html">Contents</a>${link(options.next, "next")}</nav>`;
}

function page(parts: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>
${PAGE_STYLESHEET}
</style>
</head>
<body>
${parts.body}
</body>
</html>
`;
}

/** The one stylesheet every page carries inline. */
export const PAGE_STYLESHEET: string = `
:root {
  --text: #1f2328; --muted: #5d6673; --rule: #d8dee4; --accent: #0b5cad;
  --code-bg: #f5f7f9; --code-rule: #8fa9c4; --out-rule: #d0d7de; --error: #b42318;
  --error-bg: #fef3f2; --measure: 46rem;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --serif: "Iowan Old Style", "Palatino Linotype", Palatino, "Book Antiqua", Georgia, serif;
  --mono: ui-monospace, "SFMono-Regular", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; padding: 0 1.25rem; color: var(--text); background: #fff;
  font: 1.0625rem/1.65 var(--serif); }
main, .site-header, .pager, .site-footer { max-width: var(--measure); margin: 0 auto; }
a { color: var(--accent); text-underline-offset: 0.15em; }
h1, h2, h3, h4 { font-family: var(--sans); line-height: 1.25; margin: 2rem 0 0.75rem; }
h1 { font-size: 2.1rem; margin-top: 1.5rem; letter-spacing: -0.01em; }
h2 { font-size: 1.45rem; padding-top: 0.5rem; border-top: 1px solid var(--rule); }
h3 { font-size: 1.15rem; }
p, ul, ol, blockquote, table { margin: 0 0 1rem; }
li + li { margin-top: 0.25rem; }
blockquote { margin-left: 0; padding: 0.25rem 1rem; border-left: 4px solid var(--rule); color: var(--muted); }
hr { border: 0; border-top: 1px solid var(--rule); margin: 2rem 0; }
table { border-collapse: collapse; font-family: var(--sans); font-size: 0.9rem; display: block; overflow-x: auto; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.35rem 0.75rem; text-align: left; vertical-align: top; }
th { border-bottom-width: 2px; }
code, pre { font-family: var(--mono); font-size: 0.84rem; }
:not(pre) > code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 3px; font-size: 0.85em; }
pre { margin: 0; padding: 0.75rem 1rem; overflow-x: auto; line-height: 1.5; tab-size: 2; }
.markdown pre { background: var(--code-bg); border-radius: 4px; margin-bottom: 1rem; }
img, svg, video { max-width: 100%; height: auto; }
.math { font-family: var(--serif); font-style: italic; white-space: nowrap; }
.math.display { display: block; text-align: center; margin: 1rem 0; white-space: normal; }
details { margin: 0 0 1rem; padding: 0.5rem 0.75rem; border: 1px solid var(--rule); border-radius: 4px; }
summary { cursor: pointer; font-family: var(--sans); font-weight: 600; }

.site-header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem;
  flex-wrap: wrap; padding: 1rem 0 0.6rem; border-bottom: 1px solid var(--rule);
  font: 0.9rem/1.4 var(--sans); }
.site-header a { text-decoration: none; }
.site-header .course { color: var(--text); font-weight: 600; }
.header-nav { display: flex; gap: 1.25rem; }
.eyebrow { margin: 2rem 0 -1rem; color: var(--muted); font: 600 0.8rem/1 var(--sans);
  letter-spacing: 0.08em; text-transform: uppercase; }
.pager { display: grid; grid-template-columns: 1fr auto 1fr; gap: 1rem; align-items: center;
  font: 0.95rem/1.35 var(--sans); margin-top: 2.5rem; padding: 1rem 0;
  border-top: 1px solid var(--rule); }
.pager a { text-decoration: none; }
.pager .next { text-align: right; }
.pager .contents { color: var(--muted); }
.pager .direction { display: block; color: var(--muted); font-size: 0.8rem; }
.site-footer { color: var(--muted); font: 0.8rem/1.5 var(--sans); padding: 1rem 0 3rem; }

.cell { margin: 0 0 1.25rem; }
.cell.code .source { background: var(--code-bg); border-left: 3px solid var(--code-rule); border-radius: 0 4px 4px 0; }
details.code-fold { margin: 0; padding: 0; border: 0; }
details.code-fold > summary { width: fit-content; padding: 0.1rem 0.75rem 0.1rem 0.6rem;
  color: var(--muted); font: 400 0.8rem/1.5 var(--sans); background: var(--code-bg);
  border-left: 3px solid var(--code-rule); border-radius: 0 4px 4px 0; }
details.code-fold[open] > summary { border-radius: 0; }
.outputs { margin-top: 0.4rem; border-left: 3px solid var(--out-rule); }
.output { margin: 0 0 0.4rem; }
.output:last-child { margin-bottom: 0; }
.output.stream, .output.text { padding: 0.35rem 1rem; white-space: pre-wrap; word-break: break-word; }
.output.stderr { background: #fffbea; }
.output.error { padding: 0.6rem 1rem; color: var(--error); background: var(--error-bg); white-space: pre-wrap; }
.output.figure, .output.html { padding: 0.25rem 0 0.25rem 1rem; overflow-x: auto; font-family: var(--sans); }
.output figure { margin: 0; }
.output figure h2, .output figure h3 { border: 0; margin: 0.25rem 0; padding: 0; font-size: 1rem; }
.output table { font-size: 0.85rem; }

.tok-comment { color: #6e7781; font-style: italic; }
.tok-string { color: #0a3069; }
.tok-number, .tok-literal { color: #0550ae; }
.tok-keyword { color: #8250df; }
.ansi-bold { font-weight: 700; }
.ansi-black, .ansi-bright-black { color: #6e7781; }
.ansi-red, .ansi-bright-red { color: #cf222e; }
.ansi-green, .ansi-bright-green { color: #116329; }
.ansi-yellow, .ansi-bright-yellow { color: #7d4e00; }
.ansi-blue, .ansi-bright-blue { color: #0550ae; }
.ansi-magenta, .ansi-bright-magenta { color: #8250df; }
.ansi-cyan, .ansi-bright-cyan { color: #1b7c83; }
.ansi-white, .ansi-bright-white { color: #57606a; }

.index h1 { margin-top: 3rem; }
.index .lede { font-size: 1.1rem; color: var(--muted); }
.toc { list-style: none; padding: 0; margin: 2rem 0; }
.toc li { padding: 0.9rem 0; border-top: 1px solid var(--rule); margin: 0; }
.toc > li > a { font: 600 1.15rem/1.35 var(--sans); text-decoration: none; }
.toc .number { display: inline-block; min-width: 2rem; color: var(--muted); }
.toc p { margin: 0.3rem 0 0 2rem; color: var(--muted); font-size: 0.98rem; }

@media (max-width: 40rem) {
  body { font-size: 1rem; padding: 0 0.85rem; }
  .pager .title { display: none; }
  .header-nav { gap: 0.9rem; }
}
@media print {
  body { font-size: 10.5pt; padding: 0; }
  .pager, .header-nav, .site-footer { display: none; }
  a { color: inherit; }
  pre, .output.stream, .output.text { white-space: pre-wrap; overflow: visible; }
  .cell.code, .output.figure, figure, svg, img, table { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
}
`.trim();
