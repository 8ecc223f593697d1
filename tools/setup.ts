/**
 * Gets a machine ready to run the chapters: Jupyter present, the Deno kernel registered,
 * dependencies cached so no cell downloads anything. Idempotent, and quick when all is in
 * place; `deno task test`, `deno task export` and `deno task lab` run it first.
 *
 * ```sh
 * deno task setup
 * ```
 *
 * @module
 */
import {
  JUPYTER_INSTALL_HELP,
  type KernelSpec,
  kernelSpecs,
  nbconvertVersion,
  REPO_ROOT,
  runCommand,
} from "./jupyter.ts";

/** A setup step that cannot be completed; its message says what to do. */
export class SetupError extends Error {
  /** Wraps the message for the user. */
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

/**
 * Checks that `jupyter nbconvert` runs and returns its version.
 *
 * @throws {SetupError} with install instructions when it does not.
 */
export async function checkJupyter(): Promise<string> {
  const version = await nbconvertVersion();
  if (version === null) {
    throw new SetupError(
      `Cannot run the notebooks: Jupyter is not installed (\`jupyter nbconvert\` was not found).\n${JUPYTER_INSTALL_HELP}`,
    );
  }
  return version;
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

/**
 * Downloads and caches every dependency of the import map and of `lib/mod.ts`, so the
 * kernel does not fetch anything inside a cell.
 *
 * @throws {SetupError} if a download fails.
 */
export async function cacheDependencies(): Promise<void> {
  for (const args of [["install"], ["cache", "lib/mod.ts"]]) {
    const result = await runCommand(Deno.execPath(), args, { cwd: REPO_ROOT });
    if (result.code !== 0) {
      throw new SetupError(
        `Cannot cache the dependencies: \`deno ${
          args.join(" ")
        }\` exited with code ${result.code}\n${result.stderr.trim()}`,
      );
    }
  }
}

/** What a successful setup found. */
export interface SetupReport {
  /** nbconvert's version. */
  readonly nbconvertVersion: string;
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
  const version = await checkJupyter();
  const kernel = await ensureDenoKernel(await specs);
  await cacheDependencies();
  return { nbconvertVersion: version, kernel, durationMs: performance.now() - started };
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
    console.error(
      `setup: ok (nbconvert ${report.nbconvertVersion}, ${kernel}, dependencies cached) in ${
        (report.durationMs / 1000).toFixed(1)
      } s`,
    );
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}
