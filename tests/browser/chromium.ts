/**
 * Headless Chromium for the browser test: the system's build (Debian's `chromium`) driven
 * by playwright-core, which never downloads a browser of its own.
 *
 * @module
 */
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Chromium's flags: no sandbox (the test may run as root, which the sandbox refuses), no
 * GPU, and none of the background traffic (updates, sync, field trials) a fresh profile
 * would start: the test talks to 127.0.0.1 only.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** How to install what the browser test needs, one command per line. */
export const BROWSER_TEST_INSTALL_HELP: string = [
  "Install them from apt, then run this again:",
  "  apt-get install -y --no-install-recommends chromium jupyter-notebook",
].join("\n");

/** Options for {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /**
   * The browser profile's folder. Every Chromium process's command line names it, which is
   * how leftovers are found (see `processesMentioning`).
   */
  readonly userDataDir: string;
  /** Size of each page, in CSS pixels. Default 1200 × 900. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /**
   * The browser's executable. Default: the `CHROMIUM_PATH` environment variable, else
   * {@link DEFAULT_CHROMIUM_PATH}.
   */
  readonly executablePath?: string;
  /** Longest the browser may take to start, in ms. Default 60,000. */
  readonly timeoutMs?: number;
}

/**
 * The browser executable to use: the option, else `CHROMIUM_PATH`, else Debian's path.
 *
 * @throws {Error} naming the path and the package to install when it does not exist.
 */
export async function findChromium(executablePath?: string): Promise<string> {
  const path = executablePath ?? Deno.env.get("CHROMIUM_PATH") ?? DEFAULT_CHROMIUM_PATH;
  try {
    const info = await Deno.stat(path);
    if (info.isFile) return path;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  throw new Error(
    `Cannot start the browser test: Chromium is not installed at ${path}\n${BROWSER_TEST_INSTALL_HELP}`,
  );
}

/**
 * Starts headless Chromium with {@link CHROMIUM_ARGS} and a profile in `userDataDir`.
 * Close it with `context.close()`.
 *
 * @example
 * ```ts
 * const userDataDir = await Deno.makeTempDir();
 * const browser = await launchChromium({ userDataDir });
 * try {
 *   const page = await browser.newPage();
 * } finally {
 *   await browser.close();
 * }
 * ```
 */
export async function launchChromium(options: LaunchChromiumOptions): Promise<BrowserContext> {
  const executablePath = await findChromium(options.executablePath);
  return await chromium.launchPersistentContext(options.userDataDir, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: options.viewport ?? { width: 1200, height: 900 },
    timeout: options.timeoutMs ?? 60_000,
  });
}
