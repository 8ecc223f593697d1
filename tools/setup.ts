/**
 * Gets a machine ready to run the chapters: Jupyter present (when none is found, a
 * project-local virtual environment, `.venv/`, with JupyterLab and nbconvert from pip),
 * the Deno kernel registered, dependencies cached so no cell downloads anything.
 * Idempotent, and quick when all is in place; `deno task test`, `deno task export` and
 * `deno task lab` run it first.
 *
 * ```sh
 * deno task setup
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  type CommandOutput,
  JUPYTER_INSTALL_HELP,
  type KernelSpec,
  kernelSpecs,
  nbconvertVersion,
  REPO_ROOT,
  runCommand,
  VENV_DIR,
  VENV_PACKAGES,
} from "./jupyter.ts";

/** A setup step that cannot be completed; its message says what to do. */
export class SetupError extends Error {
  /** Wraps the message for the user. */
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

/** Runs a program and returns what it printed (see `runCommand` in jupyter.ts). */
export type CommandRunner = (program: string, args: readonly string[]) => Promise<CommandOutput>;

/** Options for {@link createVenv}. */
export interface CreateVenvOptions {
  /** The folder of the virtual environment. Default: the repository's `.venv`. */
  readonly dir?: string;
  /** The Python that creates it. Default: `$PYTHON`, else `python3`. */
  readonly python?: string;
  /** Runs the commands. Default `runCommand`. */
  readonly run?: CommandRunner;
  /** Where progress lines go. Default: standard error. */
  readonly log?: (line: string) => void;
}

/**
 * Creates a Python virtual environment with JupyterLab, the Notebook, nbconvert and
 * nbclient (`python3 -m venv .venv && .venv/bin/pip install ...`). pip gets
 * `--retries 0 --timeout 3` so that an unreachable index fails in seconds instead of
 * minutes. A failed install removes the half-made environment, so the next run starts over.
 *
 * @throws {SetupError} naming the command that failed and how to install Jupyter instead.
 */
export async function createVenv(options: CreateVenvOptions = {}): Promise<void> {
  const dir = options.dir ?? VENV_DIR;
  const python = options.python ?? Deno.env.get("PYTHON") ?? "python3";
  const run = options.run ?? ((program, args) => runCommand(program, args));
  const log = options.log ?? ((line: string) => console.error(line));
  log(`setup: no Jupyter found: installing ${VENV_PACKAGES.join(", ")} into .venv/ with pip`);
  const steps: [string, string[]][] = [
    [python, ["-m", "venv", dir]],
    [join(dir, "bin", "pip"), [
      "install",
      "--retries",
      "0",
      "--timeout",
      "3",
      "--disable-pip-version-check",
      ...VENV_PACKAGES,
    ]],
  ];
  for (const [program, args] of steps) {
    const result = await run(program, args);
    if (result.code === 0) continue;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const why = result.code === 127
      ? `${program} was not found`
      : `\`${[program, ...args].join(" ")}\` exited with code ${result.code}\n${
        lastLines(result.stderr, 8)
      }`;
    throw new SetupError(
      `Cannot install Jupyter into .venv/: ${why}\n${JUPYTER_INSTALL_HELP}`,
    );
  }
}

/** Options for {@link ensureJupyter}. */
export interface EnsureJupyterOptions {
  /** nbconvert's version, or null when there is none. Default: `nbconvertVersion`. */
  readonly version?: () => Promise<string | null>;
  /** Creates the virtual environment. Default {@link createVenv}. */
  readonly install?: () => Promise<void>;
}

/** What {@link ensureJupyter} found or did. */
export interface JupyterStatus {
  /** nbconvert's version. */
  readonly nbconvertVersion: string;
  /** Whether this run created `.venv/`. */
  readonly installed: boolean;
}

/**
 * Makes sure `jupyter nbconvert` runs: the one in `.venv/` or on the PATH, else a new
 * `.venv/` made by {@link createVenv}.
 *
 * @throws {SetupError} with install instructions when there is no Jupyter and none can be
 *   installed.
 */
export async function ensureJupyter(options: EnsureJupyterOptions = {}): Promise<JupyterStatus> {
  const version = options.version ?? nbconvertVersion;
  const found = await version();
  if (found !== null) return { nbconvertVersion: found, installed: false };
  await (options.install ?? createVenv)();
  const installed = await version();
  if (installed === null) {
    throw new SetupError(
      `Cannot run the notebooks: \`jupyter nbconvert\` does not run, even after installing it into .venv/.\n${JUPYTER_INSTALL_HELP}`,
    );
  }
  return { nbconvertVersion: installed, installed: true };
}

/** What {@link ensureDenoKernel} found or did. */
export type KernelStatus = "present" | "installed" | "reinstalled";

/**
 * Registers Deno's Jupyter kernel (`deno jupyter --install`) unless a `deno` kernelspec
 * exists whose program is still there.
 *
 * @param specs The registered kernels, if already listed (see `kernelSpecs`).
 * @throws {SetupError} if registering fails.
 */
export async function ensureDenoKernel(
  specs?: Record<string, KernelSpec>,
): Promise<KernelStatus> {
  const spec = (specs ?? await kernelSpecs()).deno;
  let status: KernelStatus;
  if (spec === undefined) {
    status = "installed";
  } else {
    const program = spec.spec.argv[0];
    if (program !== undefined && await exists(program)) return "present";
    // Deno moved (reinstalled elsewhere): the old kernelspec would fail to start.
    status = "reinstalled";
  }
  const args = ["jupyter", "--install", ...(status === "reinstalled" ? ["--force"] : [])];
  const result = await runCommand(Deno.execPath(), args);
  if (result.code !== 0) {
    throw new SetupError(
      `Cannot register the Deno Jupyter kernel: \`deno ${
        args.join(" ")
      }\` exited with code ${result.code}\n${result.stderr.trim()}`,
    );
  }
  return status;
}

/** The folders whose TypeScript files {@link cacheDependencies} caches the imports of. */
export const CACHED_FOLDERS: readonly string[] = ["lib", "tools", "tests", "bench"];

/**
 * Every `.ts` file under the repository's {@link CACHED_FOLDERS}, relative to the root, in
 * a stable order: what chapters, tools, tests and benchmarks can import.
 */
export async function sourceFiles(root: string = REPO_ROOT): Promise<string[]> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(join(root, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
    }
  }
  for (const folder of CACHED_FOLDERS) await walk(folder);
  return files.sort();
}

/**
 * Downloads and caches every dependency of the import map and of every module of the
 * library, the tools, the tests and the benchmarks, so that nothing is downloaded later:
 * not inside a cell, not by a test, not by the exporter.
 *
 * @throws {SetupError} if a download fails.
 */
export async function cacheDependencies(): Promise<void> {
  for (const args of [["install"], ["cache", ...await sourceFiles()]]) {
    const result = await runCommand(Deno.execPath(), args, { cwd: REPO_ROOT });
    if (result.code !== 0) {
      throw new SetupError(
        `Cannot cache the dependencies: \`deno ${args.slice(0, 3).join(" ")}${
          args.length > 3 ? " ..." : ""
        }\` exited with code ${result.code}\n${lastLines(result.stderr, 12)}`,
      );
    }
  }
}

/** What a successful setup found. */
export interface SetupReport {
  /** nbconvert's version. */
  readonly nbconvertVersion: string;
  /** Whether this run installed Jupyter into `.venv/`. */
  readonly installedVenv: boolean;
  /** Whether the Deno kernel was already registered. */
  readonly kernel: KernelStatus;
  /** Wall time, in ms. */
  readonly durationMs: number;
}

/**
 * Runs every setup step in order and stops at the first that fails.
 *
 * @throws {SetupError} naming the step and how to fix it.
 */
export async function runSetup(): Promise<SetupReport> {
  const started = performance.now();
  // Each Jupyter call starts a Python interpreter (about a second): overlap the two.
  const specs = kernelSpecs();
  specs.catch(() => {});
  const jupyter = await ensureJupyter();
  const kernel = await ensureDenoKernel(jupyter.installed ? undefined : await specs);
  await cacheDependencies();
  return {
    nbconvertVersion: jupyter.nbconvertVersion,
    installedVenv: jupyter.installed,
    kernel,
    durationMs: performance.now() - started,
  };
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  try {
    const report = await runSetup();
    const kernel = report.kernel === "present"
      ? "Deno kernel registered"
      : `Deno kernel ${report.kernel}`;
    const where = report.installedVenv ? " in .venv/" : "";
    console.error(
      `setup: ok (nbconvert ${report.nbconvertVersion}${where}, ${kernel}, dependencies cached) in ${
        (report.durationMs / 1000).toFixed(1)
      } s`,
    );
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}
