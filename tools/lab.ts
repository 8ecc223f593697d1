/**
 * Opens the chapters in JupyterLab, serving `notebooks/` on 127.0.0.1 only, with Deno as
 * the kernel of new notebooks. When no JupyterLab is found it is installed into the
 * project's `.venv/` with pip (like `deno task setup`); the classic Notebook is the
 * fallback when that fails. Registers the Deno kernel and caches dependencies first.
 *
 * ```sh
 * deno task lab
 * ```
 *
 * @module
 */
import { jupyterProgram, NOTEBOOKS_DIR, runCommand } from "./jupyter.ts";
import { cacheDependencies, createVenv, ensureDenoKernel, SetupError } from "./setup.ts";

/** The Jupyter front ends the lab task can start, best first. */
export type LabFrontEnd = "lab" | "notebook";

/** A command that starts a Jupyter front end. */
export interface LabCommand {
  /** Which front end. */
  readonly frontEnd: LabFrontEnd;
  /** Arguments to `jupyter`. */
  readonly args: readonly string[];
}

/** How to install a front end, for when none is. */
export const LAB_INSTALL_HELP: string = [
  "Cannot open the notebooks: neither JupyterLab nor the classic Jupyter Notebook is installed.",
  "Install Python 3 (with venv) and run this again, or install one with pip or apt:",
  "  pip install jupyterlab",
  "  apt-get install -y --no-install-recommends jupyter-notebook",
].join("\n");

/** The server option that makes Deno the kernel of a new notebook (the launcher's default). */
export const DEFAULT_KERNEL_DENO = "--MappingKernelManager.default_kernel_name=deno";

/** Options for {@link chooseLabCommand}. */
export interface ChooseLabOptions {
  /** Add `--allow-root` (Jupyter refuses to run as root without it). Default false. */
  readonly asRoot?: boolean;
}

/**
 * Picks the front end to start: JupyterLab if `isInstalled("lab")`, else the classic
 * Notebook if `isInstalled("notebook")`, else null. The server listens on 127.0.0.1 only,
 * and a new notebook gets the Deno kernel.
 *
 * @example
 * ```ts
 * const command = await chooseLabCommand(async (frontEnd) => frontEnd === "notebook");
 * // { frontEnd: "notebook", args: ["notebook", "--ip=127.0.0.1", DEFAULT_KERNEL_DENO] }
 * ```
 */
export async function chooseLabCommand(
  isInstalled: (frontEnd: LabFrontEnd) => Promise<boolean>,
  options: ChooseLabOptions = {},
): Promise<LabCommand | null> {
  for (const frontEnd of ["lab", "notebook"] as const) {
    if (await isInstalled(frontEnd)) {
      const args = [
        frontEnd,
        "--ip=127.0.0.1",
        DEFAULT_KERNEL_DENO,
        ...(options.asRoot ? ["--allow-root"] : []),
      ];
      return { frontEnd, args };
    }
  }
  return null;
}

/** Whether `jupyter <frontEnd> --version` runs. */
export async function frontEndInstalled(frontEnd: LabFrontEnd): Promise<boolean> {
  return (await runCommand(jupyterProgram(), [frontEnd, "--version"])).code === 0;
}

/**
 * Makes sure `jupyter lab` runs, installing JupyterLab into the project's `.venv/` with pip
 * when it does not (see `createVenv`).
 *
 * @throws {SetupError} when it is missing and cannot be installed.
 */
export async function ensureJupyterLab(): Promise<void> {
  if (await frontEndInstalled("lab")) return;
  await createVenv();
  if (!await frontEndInstalled("lab")) {
    throw new SetupError("Cannot run JupyterLab: `jupyter lab` fails even after installing it");
  }
}

if (import.meta.main) {
  // JupyterLab is the front end the course is made for: get it, unless pip cannot.
  await ensureJupyterLab().catch((error) => {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
  });
  const command = await chooseLabCommand(frontEndInstalled, { asRoot: Deno.uid() === 0 });
  if (command === null) {
    console.error(LAB_INSTALL_HELP);
    Deno.exit(1);
  }
  try {
    await ensureDenoKernel();
    await cacheDependencies();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
  await Deno.mkdir(NOTEBOOKS_DIR, { recursive: true });
  const program = jupyterProgram();
  console.error(`lab: ${program} ${command.args.join(" ")} (in notebooks/; Ctrl-C to stop)`);
  // Ctrl-C reaches Jupyter too; stay alive until it has shut down, then pass on its status.
  Deno.addSignalListener("SIGINT", () => {});
  const child = new Deno.Command(program, { args: [...command.args], cwd: NOTEBOOKS_DIR })
    .spawn();
  const status = await child.status;
  Deno.exit(status.code);
}
