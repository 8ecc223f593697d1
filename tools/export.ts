/**
 * Exports the chapters to self-contained HTML: each notebook is executed through the Deno
 * kernel and rendered to `dist/NN_slug.html` (no network, figures inline), and
 * `dist/index.html` lists every chapter. Pages with Try it cells also load
 * `dist/assets/page.js`, which lets a reader edit and run those cells in the page (the
 * worker `dist/assets/worker.js` holds the library); with scripts off they read the same.
 *
 * ```sh
 * deno task export                       # every notebooks/*.ipynb into dist/
 * deno task export --out /tmp/site 03    # only chapter 03 (by number, slug or path)
 * deno task export --notebooks path/to/dir
 * ```
 *
 * Progress goes to standard error. A failing cell stops its chapter: the export goes on
 * with the others and then exits 1, naming the chapter, the cell and the error.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import {
  type ChapterRef,
  exerciseCells,
  figureOutputCount,
  findRemoteResources,
  isTryItCell,
  notebookSummary,
  notebookTitle,
  renderChapterPage,
  renderIndexPage,
} from "./html_page.ts";
import {
  executeNotebook,
  mapLimit,
  NotebookExecutionError,
  NOTEBOOKS_DIR,
  REPO_ROOT,
} from "./jupyter.ts";
import { enterInvocationDir } from "./invocation.ts";
import { SITE_ASSETS, writeSiteAssets } from "./site_assets.ts";
import { chapterSlug, listNotebooks, type Notebook, readNotebook } from "./notebook_json.ts";

/** Options for {@link exportChapters}. */
export interface ExportOptions {
  /** Folder of the chapters. Default: the repository's `notebooks/`. */
  readonly notebooksDir?: string;
  /** Folder to write the pages to (created if missing). Default: the repository's `dist/`. */
  readonly outDir?: string;
  /**
   * Chapters to execute and write, each a number ("03"), a slug ("03_clocks"), a file name
   * or a path. Default: all. The index and the previous/next links always cover every
   * chapter in the folder.
   */
  readonly chapters?: readonly string[];
  /** Chapters run at once. Default 2. */
  readonly concurrency?: number;
  /** Longest one cell may run, in ms. Default 300,000. */
  readonly cellTimeoutMs?: number;
  /** Where progress lines go. Default: standard error. */
  readonly log?: (line: string) => void;
}

/** What {@link exportChapters} did. */
export interface ExportResult {
  /** Paths of the files written, index included. */
  readonly written: readonly string[];
  /** One message per chapter that could not be exported. */
  readonly failures: readonly string[];
}

/** Bad arguments to the exporter (an unknown chapter, a missing option value). */
export class ExportUsageError extends Error {
  /** Wraps the message for the user. */
  constructor(message: string) {
    super(message);
    this.name = "ExportUsageError";
  }
}

/**
 * Executes and renders chapters, then writes the index.
 *
 * @throws {ExportUsageError} if a requested chapter does not exist.
 */
export async function exportChapters(options: ExportOptions = {}): Promise<ExportResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const notebooksDir = resolve(options.notebooksDir ?? NOTEBOOKS_DIR);
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, "dist"));
  const paths = await listNotebooks(notebooksDir);
  const selected = selectChapters(paths, options.chapters ?? [], notebooksDir);
  const sources = await Promise.all(paths.map((path) => readNotebook(path)));
  const refs: ChapterRef[] = paths.map((path, i) => ({
    slug: chapterSlug(path),
    title: notebookTitle(sources[i] as Notebook, chapterSlug(path)),
  }));
  await Deno.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const failures: string[] = [];
  if (paths.length === 0) log(`export: no notebooks in ${shown(notebooksDir)}`);

  // Pages with Try it cells or exercises load the scripts that run them in the browser.
  const live = selected.some((index) => {
    const notebook = sources[index] as Notebook;
    return notebook.cells.some(isTryItCell) || exerciseCells(notebook).size > 0;
  });
  if (live) {
    const assets = await writeSiteAssets(outDir);
    const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
    log(
      `export: assets: worker.js ${kb(assets.worker.bytes)} (${
        kb(assets.worker.gzipBytes)
      } gzipped), page.js ${kb(assets.page.bytes)} in ${
        (Math.max(assets.worker.ms, assets.page.ms) / 1000).toFixed(1)
      } s`,
    );
    written.push(join(outDir, SITE_ASSETS.worker), join(outDir, SITE_ASSETS.page));
  }

  await mapLimit(selected, options.concurrency ?? 2, async (index) => {
    const path = paths[index] as string;
    const ref = refs[index] as ChapterRef;
    log(`export: ${ref.slug}: running`);
    try {
      const run = await executeNotebook(path, {
        cellTimeoutMs: options.cellTimeoutMs,
        displayName: basename(path),
      });
      if (run.failure) throw new NotebookExecutionError(run.failure);
      const html = renderChapterPage(run.notebook, {
        slug: ref.slug,
        title: ref.title,
        previous: refs[index - 1],
        next: refs[index + 1],
        sourceName: relative(REPO_ROOT, path),
        runtime: SITE_ASSETS,
      });
      const remote = findRemoteResources(html);
      if (remote.length > 0) {
        throw new Error(
          `Cannot export ${basename(path)}: the page would load ${
            remote.join(", ")
          } (exported pages must work offline)`,
        );
      }
      const target = join(outDir, `${ref.slug}.html`);
      await Deno.writeTextFile(target, html);
      written.push(target);
      const figures = figureOutputCount(run.notebook);
      log(
        `export: ${ref.slug}: ok in ${(run.durationMs / 1000).toFixed(1)} s, ${figures} figure${
          figures === 1 ? "" : "s"
        } -> ${shown(target)}`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message);
      log(`export: ${ref.slug}: FAILED\n${message}`);
    }
  });

  const index = join(outDir, "index.html");
  await Deno.writeTextFile(
    index,
    renderIndexPage(refs.map((ref, i) => ({
      ...ref,
      summaryHtml: notebookSummary(sources[i] as Notebook),
    }))),
  );
  written.push(index);
  return { written, failures };
}

/**
 * Indices into `paths` of the chapters `requested` names, in book order; all of them when
 * none is requested.
 *
 * @throws {ExportUsageError} naming a request that matches no chapter.
 */
export function selectChapters(
  paths: readonly string[],
  requested: readonly string[],
  notebooksDir: string,
): number[] {
  if (requested.length === 0) return paths.map((_, i) => i);
  const chosen = new Set<number>();
  for (const request of requested) {
    const wanted = chapterSlug(request);
    let matches = paths.flatMap((path, i) => chapterSlug(path) === wanted ? [i] : []);
    if (matches.length === 0 && /^\d+$/.test(wanted)) {
      matches = paths.flatMap((path, i) => chapterSlug(path).startsWith(`${wanted}_`) ? [i] : []);
    }
    if (matches.length !== 1) {
      const known = paths.map(chapterSlug).join(", ") || "none";
      throw new ExportUsageError(
        `Cannot export ${request}: ${
          matches.length === 0 ? "no such chapter" : "it matches several chapters"
        } in ${shown(notebooksDir)} (chapters: ${known})`,
      );
    }
    chosen.add(matches[0] as number);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** Parsed command-line arguments of the exporter. */
export interface ExportArgs {
  /** `--out DIR`. */
  readonly outDir?: string;
  /** `--notebooks DIR`. */
  readonly notebooksDir?: string;
  /** Positional chapter names. */
  readonly chapters: readonly string[];
  /** `--help`. */
  readonly help: boolean;
}

/**
 * Parses `[--out DIR] [--notebooks DIR] [chapter ...]` (also `--out=DIR`).
 *
 * @throws {ExportUsageError} on an unknown option or a missing value.
 */
export function parseExportArgs(args: readonly string[]): ExportArgs {
  const values: Record<string, string> = {};
  const chapters: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    const match = /^--(out|notebooks)(?:=(.*))?$/.exec(arg);
    if (match) {
      const value = match[2] ?? args[++i];
      if (value === undefined || value === "") {
        throw new ExportUsageError(`Cannot parse ${arg}: it needs a folder`);
      }
      values[match[1] as string] = value;
    } else if (arg.startsWith("-")) {
      throw new ExportUsageError(`Cannot parse ${arg}: unknown option (see --help)`);
    } else {
      chapters.push(arg);
    }
  }
  return { outDir: values.out, notebooksDir: values.notebooks, chapters, help };
}

const USAGE = `Usage: deno task export [--out DIR] [--notebooks DIR] [chapter ...]

Executes chapters through the Deno kernel and writes self-contained HTML pages plus an
index.html. DIR defaults: --out dist/, --notebooks notebooks/. A chapter is a number (03),
a slug (03_clocks), a file name or a path; default: all of them.`;

function shown(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

if (import.meta.main) {
  enterInvocationDir();
  try {
    const args = parseExportArgs(Deno.args);
    if (args.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    const started = performance.now();
    const result = await exportChapters(args);
    const pages = result.written.filter((path) => path.endsWith(".html")).length - 1;
    const outDir = shown(resolve(args.outDir ?? join(REPO_ROOT, "dist")));
    console.error(
      `export: wrote ${pages} page${pages === 1 ? "" : "s"} and index.html to ${outDir} in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
    if (result.failures.length > 0) {
      console.error(
        `export: ${result.failures.length} chapter(s) failed:\n\n${result.failures.join("\n\n")}`,
      );
      Deno.exit(1);
    }
  } catch (error) {
    if (error instanceof ExportUsageError) {
      console.error(error.message);
      Deno.exit(2);
    }
    throw error;
  }
}
