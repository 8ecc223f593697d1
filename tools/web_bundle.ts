/**
 * `deno task web:bundle`: the library as one JavaScript module for a browser page (or a
 * worker in one), with every Deno-only host module swapped for its browser stand-in.
 *
 * ```sh
 * deno task web:bundle                          # web/lib_registry.ts -> dist/assets/lib.js
 * deno task web:bundle --out /tmp/lib.js --entry lib/mod.ts --no-minify
 * ```
 *
 * The build fails when the bundle still names a Deno-only API (`Deno.readTextFile`,
 * `globalThis.Deno`, ...), saying which API and which source module: the page would throw
 * a ReferenceError the first time a reader ran that code.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository's root folder. */
export const REPO_ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** A module that touches Deno-only APIs, and the browser module that replaces it. */
export interface HostRemap {
  /** The library's module, from the repository root ("lib/viz/jupyter.ts"). */
  readonly module: string;
  /** Its browser stand-in with the same exports, from the repository root. */
  readonly browser: string;
}

/**
 * Every library module that names a Deno API, with its browser stand-in. Nothing else in
 * lib/ may name `Deno` (tests/web/host_seam_test.ts checks it).
 */
export const HOST_REMAPS: readonly HostRemap[] = [
  { module: "lib/viz/jupyter.ts", browser: "web/host/jupyter.ts" },
  { module: "lib/experiments/stderr.ts", browser: "web/host/stderr.ts" },
  { module: "lib/history/files.ts", browser: "web/host/files.ts" },
];

/** The default entry: every library module, keyed by path (see web/lib_registry.ts). */
export const DEFAULT_ENTRY = "web/lib_registry.ts";

/** The default output, beside the exported pages. */
export const DEFAULT_OUT_FILE = "dist/assets/lib.js";

/** Options for {@link bundleForBrowser}. */
export interface BrowserBundleOptions {
  /** The module to bundle (relative to the working directory, or absolute). */
  readonly entry: string;
  /** Where to write the bundle (relative to the working directory, or absolute). */
  readonly outFile: string;
  /** Minify the output. Default true. */
  readonly minify?: boolean;
}

/** What {@link bundleForBrowser} wrote. */
export interface BrowserBundleReport {
  /** The bundle's path. */
  readonly outFile: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** Its size gzipped (as a static server would send it), in bytes. */
  readonly gzipBytes: number;
  /** How long bundling and checking took, in ms. */
  readonly ms: number;
  /** Whether it is minified. */
  readonly minified: boolean;
}

/** A use of a Deno-only API found in a bundle. */
export interface DenoApiUse {
  /** The expression as it appears ("Deno.readTextFile", "globalThis.Deno"). */
  readonly api: string;
  /** The source module it came from, when known (from the repository root, or npm:...). */
  readonly source: string | undefined;
}

/** The bundle names a Deno-only API; see {@link DenoApiUse}. */
export class DenoApiError extends Error {
  /** Every use found. */
  readonly uses: readonly DenoApiUse[];

  /** Lists the uses in the message. */
  constructor(entry: string, uses: readonly DenoApiUse[]) {
    const list = uses.map((use) => `  ${use.api} (from ${use.source ?? "an unknown module"})`);
    super(
      `Cannot bundle ${entry} for the browser: it uses Deno-only APIs, which a page lacks:\n` +
        `${list.join("\n")}\nMove them behind a host module listed in HOST_REMAPS ` +
        `(tools/web_bundle.ts) with a browser stand-in in web/host/.`,
    );
    this.name = "DenoApiError";
    this.uses = uses;
  }
}

// `Deno.x`, `Deno?.x` and `globalThis.Deno` in code (minified output keeps no comments).
const DENO_API =
  /\bglobalThis\s*\??\.\s*Deno\b(?:\s*\??\.\s*[A-Za-z_$][\w$]*)?|\bDeno\s*\??\.\s*[A-Za-z_$][\w$]*/g;

/**
 * The Deno-only APIs named in bundled code, each with its offset. Run it on minified code,
 * which keeps no comments; a word like "Deno's" in a message is no use and is not found.
 */
export function findDenoApis(code: string): { api: string; offset: number }[] {
  const found: { api: string; offset: number }[] = [];
  for (const match of code.matchAll(DENO_API)) {
    found.push({ api: match[0].replace(/\s+/g, ""), offset: match.index });
  }
  return found;
}

/**
 * Bundles `entry` for the browser: the project's npm imports, the host modules swapped
 * (see {@link HOST_REMAPS}), minified unless told otherwise.
 *
 * @throws {DenoApiError} when the bundle still names a Deno-only API.
 * @throws {Error} when a remap's target is missing or `deno bundle` fails.
 */
export async function bundleForBrowser(
  options: BrowserBundleOptions,
): Promise<BrowserBundleReport> {
  const started = performance.now();
  const entry = resolve(options.entry);
  const outFile = resolve(options.outFile);
  const minify = options.minify ?? true;
  const work = await Deno.makeTempDir({ prefix: "web_bundle_" });
  try {
    const config = join(work, "deno.json");
    await Deno.writeTextFile(config, JSON.stringify(await browserConfig(), null, 2));
    const built = join(work, "bundle.js");
    await denoBundle({ config, entry, outFile: built, minify: true });
    const code = await Deno.readTextFile(built);
    const uses = findDenoApis(code);
    if (uses.length > 0) {
      // Only now pay for a source map, to say which module each use comes from.
      const mapped = join(work, "mapped");
      await denoBundle({ config, entry, outDir: mapped, minify: true, sourceMap: true });
      const name = entry.replace(/^.*[\\/]/, "").replace(/\.[cm]?[jt]sx?$/, ".js");
      const mappedCode = await Deno.readTextFile(join(mapped, name));
      const map = JSON.parse(await Deno.readTextFile(join(mapped, `${name}.map`))) as SourceMap;
      const sourceAt = sourceLocator(map, mapped);
      const seen = new Set<string>();
      const located: DenoApiUse[] = [];
      for (const use of findDenoApis(mappedCode)) {
        const source = sourceAt(mappedCode, use.offset);
        const key = `${use.api} ${source}`;
        if (seen.has(key)) continue;
        seen.add(key);
        located.push({ api: use.api, source });
      }
      throw new DenoApiError(relative(Deno.cwd(), entry) || entry, located);
    }
    if (!minify) await denoBundle({ config, entry, outFile: built, minify: false });
    const bytes = await Deno.readFile(built);
    await Deno.mkdir(join(outFile, ".."), { recursive: true });
    await Deno.writeFile(outFile, bytes);
    return {
      outFile,
      bytes: bytes.length,
      gzipBytes: await gzipSize(bytes),
      ms: Math.round(performance.now() - started),
      minified: minify,
    };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/**
 * The import map a browser bundle is built with: deno.json's imports plus every host
 * remap (`remaps`, default {@link HOST_REMAPS}), keyed by absolute file URLs (the
 * temporary config lives outside the repository).
 *
 * @throws {Error} naming a remap whose module or browser stand-in does not exist.
 */
export async function browserConfig(
  remaps: readonly HostRemap[] = HOST_REMAPS,
): Promise<{ imports: Record<string, string> }> {
  const project = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json"))) as {
    imports?: Record<string, string>;
  };
  const imports: Record<string, string> = { ...project.imports };
  for (const remap of remaps) {
    for (const path of [remap.module, remap.browser]) {
      if (!(await isFile(join(REPO_ROOT, path)))) {
        throw new Error(
          `Cannot bundle for the browser: the host remap ${remap.module} -> ${remap.browser} ` +
            `names ${path}, which does not exist`,
        );
      }
    }
    imports[pathToFileURL(join(REPO_ROOT, remap.module)).href] =
      pathToFileURL(join(REPO_ROOT, remap.browser)).href;
  }
  return { imports };
}

/** Formats a report as the task prints it. */
export function formatBundleReport(report: BrowserBundleReport): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  const where = relative(Deno.cwd(), report.outFile) || report.outFile;
  return `${where}: ${mb(report.bytes)} (${mb(report.gzipBytes)} gzip), ` +
    `${report.minified ? "minified" : "not minified"}, built in ${(report.ms / 1000).toFixed(1)} s`;
}

// ---- helpers ---------------------------------------------------------------------------

interface DenoBundleRun {
  readonly config: string;
  readonly entry: string;
  readonly minify: boolean;
  readonly outFile?: string;
  readonly outDir?: string;
  readonly sourceMap?: boolean;
}

async function denoBundle(run: DenoBundleRun): Promise<void> {
  const args = [
    "bundle",
    "--quiet",
    "--config",
    run.config,
    "--no-lock",
    "--platform",
    "browser",
    ...(run.minify ? ["--minify"] : []),
    ...(run.sourceMap ? ["--sourcemap", "external"] : []),
    ...(run.outDir === undefined ? ["--output", run.outFile ?? ""] : ["--outdir", run.outDir]),
    run.entry,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const why = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`Cannot bundle ${run.entry} for the browser: deno bundle failed:\n${why}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

interface SourceMap {
  readonly sources: readonly string[];
  readonly mappings: string;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Finds the source module of an offset in generated code from a version 3 source map:
 * the last mapped segment at or before the offset's column on its line.
 */
function sourceLocator(map: SourceMap, mapDir: string) {
  const lines = decodeMappings(map.mappings);
  return (code: string, offset: number): string | undefined => {
    const before = code.slice(0, offset);
    const line = before.split("\n").length - 1;
    const column = offset - (before.lastIndexOf("\n") + 1);
    let source: number | undefined;
    for (const [col, src] of lines[line] ?? []) {
      if (col > column) break;
      source = src;
    }
    const path = source === undefined ? undefined : map.sources[source];
    return path === undefined ? undefined : displayPath(resolve(mapDir, path));
  };
}

/** Each generated line's segments as [column, source index], in column order. */
function decodeMappings(mappings: string): [number, number][][] {
  const lines: [number, number][][] = [];
  let source = 0;
  for (const line of mappings.split(";")) {
    const segments: [number, number][] = [];
    let column = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      column += fields[0] ?? 0;
      if (fields.length >= 4) {
        source += fields[1] ?? 0;
        segments.push([column, source]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0, shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return values;
}

/** A source path as a reader knows it: from the repository root, or `npm:package/file`. */
function displayPath(path: string): string {
  const npm = path.replace(/\\/g, "/").match(/registry\.npmjs\.org\/(.*)$/);
  if (npm) return `npm:${npm[1]}`;
  const inRepo = relative(REPO_ROOT, path);
  return inRepo.startsWith("..") ? path : inRepo;
}

function parseArgs(args: readonly string[]): BrowserBundleOptions {
  let outFile = DEFAULT_OUT_FILE, entry = DEFAULT_ENTRY, minify = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--out" || arg === "--entry") {
      const value = args[++i];
      if (value === undefined) throw new Error(`Cannot bundle: ${arg} needs a path`);
      if (arg === "--out") outFile = value;
      else entry = value;
    } else if (arg === "--no-minify") {
      minify = false;
    } else {
      throw new Error(
        `Cannot bundle: unknown argument ${arg} (use --out PATH, --entry PATH, --no-minify)`,
      );
    }
  }
  return { entry, outFile, minify };
}

if (import.meta.main) {
  try {
    const report = await bundleForBrowser(parseArgs(Deno.args));
    console.log(formatBundleReport(report));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}
