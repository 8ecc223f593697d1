/**
 * Measures exported chapter pages as a reader sees them: each page is laid out in headless
 * Chromium and the share of its height taken by code (the code blocks shown, plus the
 * "show code" line of each folded one) is printed, per chapter and over all of them.
 * With `--screenshots DIR` it also writes a full-page PNG of every page there.
 *
 * ```sh
 * deno task export --out /tmp/site
 * deno run -A tools/page_metrics.ts /tmp/site 01 02 03 04
 * deno run -A tools/page_metrics.ts /tmp/site --screenshots /tmp/shots 02
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { chromium } from "playwright-core";

/** What {@link measurePage} found on one page, in CSS pixels. */
export interface PageMetrics {
  /** The page's file name. */
  readonly page: string;
  /** Height of the chapter's main column. */
  readonly mainHeightPx: number;
  /** Height of the code shown: open code blocks and the summary line of folded ones. */
  readonly codeHeightPx: number;
  /** Code blocks shown open. */
  readonly openCells: number;
  /** Code blocks folded behind "show code". */
  readonly foldedCells: number;
}

const WIDTH_PX = 1200;

// Runs in the page: sizes of the main column and of the code a reader sees.
const MEASURE = `(() => {
  const main = document.querySelector("main");
  let code = 0, open = 0, folded = 0;
  for (const cell of document.querySelectorAll(".cell.code")) {
    const fold = cell.querySelector("details.code-fold");
    if (fold) {
      folded++;
      code += fold.querySelector("summary").getBoundingClientRect().height;
    } else {
      const source = cell.querySelector("pre.source");
      if (source) { open++; code += source.getBoundingClientRect().height; }
    }
  }
  return { main: main.getBoundingClientRect().height, code, open, folded };
})()`;

/** Lays out every page in Chromium and measures it; optionally screenshots it. */
export async function measurePages(
  paths: readonly string[],
  options: { readonly screenshotsDir?: string; readonly chromiumPath?: string } = {},
): Promise<PageMetrics[]> {
  const browser = await chromium.launch({
    executablePath: options.chromiumPath ?? Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH_PX, height: 900 } });
    const results: PageMetrics[] = [];
    for (const path of paths) {
      await page.goto(`file://${path}`);
      const m = await page.evaluate(MEASURE) as {
        main: number;
        code: number;
        open: number;
        folded: number;
      };
      const name = path.split("/").pop() as string;
      results.push({
        page: name,
        mainHeightPx: m.main,
        codeHeightPx: m.code,
        openCells: m.open,
        foldedCells: m.folded,
      });
      if (options.screenshotsDir) {
        await Deno.mkdir(options.screenshotsDir, { recursive: true });
        await page.screenshot({
          path: join(options.screenshotsDir, name.replace(/\.html$/, ".png")),
          fullPage: true,
        });
      }
    }
    return results;
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const shotAt = args.indexOf("--screenshots");
  const screenshotsDir = shotAt >= 0 ? args.splice(shotAt, 2)[1] : undefined;
  const [dir, ...chapters] = args;
  if (!dir) {
    console.error("Usage: deno run -A tools/page_metrics.ts DIR [--screenshots OUT] [NN ...]");
    Deno.exit(2);
  }
  const pages = [...Deno.readDirSync(dir)].map((entry) => entry.name)
    .filter((name) => /^\d+_.*\.html$/.test(name))
    .filter((name) => chapters.length === 0 || chapters.some((c) => name.startsWith(`${c}_`)))
    .sort().map((name) => join(Deno.realPathSync(dir), name));
  const metrics = await measurePages(pages, { screenshotsDir });
  for (const m of metrics) {
    console.log(
      `${m.page.padEnd(40)} code ${(100 * m.codeHeightPx / m.mainHeightPx).toFixed(1)}% of ` +
        `${Math.round(m.mainHeightPx)} px (${m.openCells} open, ${m.foldedCells} folded)`,
    );
  }
  const main = metrics.reduce((sum, m) => sum + m.mainHeightPx, 0);
  const code = metrics.reduce((sum, m) => sum + m.codeHeightPx, 0);
  console.log(`all: code ${(100 * code / main).toFixed(1)}% of ${Math.round(main)} px`);
}
