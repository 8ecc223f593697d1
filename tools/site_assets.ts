/**
 * The scripts an exported site loads to run its Try it cells in the reader's browser:
 * `assets/worker.js` (web/worker.ts with the library, sucrase and acorn inside) and
 * `assets/page.js` (web/page.ts, a classic script). Both are built from source at export
 * time, so every page stays self-contained: nothing is fetched from the network.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options for {@link bundleScript}. */
export interface BundleOptions {
  /** The entry module's path. */
  readonly entry: string;
  /** Where to write the bundle. */
  readonly outFile: string;
  /** Minify the output. Default false. */
  readonly minify?: boolean;
}

/** What {@link bundleScript} wrote. */
export interface BundleResult {
  /** Size of the bundle in bytes. */
  readonly bytes: number;
  /** Size of the bundle gzipped, in bytes (what a server would send). */
  readonly gzipBytes: number;
  /** How long bundling took, in ms. */
  readonly ms: number;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Bundles one module for the browser with `deno bundle --platform browser`. The one place
 * the site's scripts are bundled.
 *
 * @throws {Error} with deno's output when bundling fails.
 */
export async function bundleScript(options: BundleOptions): Promise<BundleResult> {
  const started = performance.now();
  const args = ["bundle", "--quiet", "--platform", "browser", "-o", options.outFile];
  if (options.minify) args.push("--minify");
  args.push(options.entry);
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `Cannot bundle ${options.entry}: deno bundle failed\n${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  const bytes = await Deno.readFile(options.outFile);
  return {
    bytes: bytes.length,
    gzipBytes: await gzipSize(bytes),
    ms: performance.now() - started,
  };
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

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
  readonly worker: BundleResult;
  /** The page script. */
  readonly page: BundleResult;
}

/** Builds {@link SITE_ASSETS} into `outDir` (creating `assets/`). */
export async function writeSiteAssets(outDir: string): Promise<SiteAssetsResult> {
  await Deno.mkdir(join(outDir, "assets"), { recursive: true });
  const [worker, page] = await Promise.all([
    bundleScript({
      entry: join(REPO_ROOT, "web/worker.ts"),
      outFile: join(outDir, SITE_ASSETS.worker),
      minify: true,
    }),
    bundleScript({
      entry: join(REPO_ROOT, "web/page.ts"),
      outFile: join(outDir, SITE_ASSETS.page),
    }),
  ]);
  return { worker, page };
}
