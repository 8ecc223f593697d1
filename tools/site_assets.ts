/**
 * The scripts an exported site loads to run its Try it cells in the reader's browser:
 * `assets/worker.js` (web/worker.ts with the library, sucrase and acorn inside) and
 * `assets/page.js` (web/page.ts, a classic script). Both are built from source at export
 * time by the library's browser build (tools/web_bundle.ts: Deno-only modules swapped for
 * their browser stand-ins, and no Deno API let through), so every page stays
 * self-contained: nothing is fetched from the network.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserBundleReport, bundleForBrowser } from "./web_bundle.ts";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The site's script files, relative to the site's folder. */
export const SITE_ASSETS = {
  /** The module worker that runs cells. */
  worker: "assets/worker.js",
  /** The page script that turns Try it cells into editors with a Run button. */
  page: "assets/page.js",
} as const;

/** What {@link writeSiteAssets} wrote, by asset. */
export interface SiteAssetsResult {
  /** The worker bundle. */
  readonly worker: BrowserBundleReport;
  /** The page script. */
  readonly page: BrowserBundleReport;
}

/** Builds {@link SITE_ASSETS} into `outDir` (creating `assets/`). */
export async function writeSiteAssets(outDir: string): Promise<SiteAssetsResult> {
  await Deno.mkdir(join(outDir, "assets"), { recursive: true });
  const [worker, page] = await Promise.all([
    bundleForBrowser({
      entry: join(REPO_ROOT, "web/worker.ts"),
      outFile: join(outDir, SITE_ASSETS.worker),
      minify: true,
    }),
    bundleForBrowser({
      entry: join(REPO_ROOT, "web/page.ts"),
      outFile: join(outDir, SITE_ASSETS.page),
      minify: false,
    }),
  ]);
  return { worker, page };
}
