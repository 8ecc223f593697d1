/**
 * The folder a command was typed in. `deno task` runs every task from the repository's
 * root, whatever folder the reader is in, and records the folder it was started from in
 * `INIT_CWD` (as npm does). Tools that take paths resolve them against that folder, so
 * `cd notebooks && deno task check-history ../data/histories/register_correct.json` works.
 *
 * @module
 */

/**
 * The folder the command was typed in: `INIT_CWD` when it names a folder and the process
 * may read it, else the working directory.
 */
export function invocationDir(): string {
  const status = Deno.permissions.querySync({ name: "env", variable: "INIT_CWD" }).state;
  const initCwd = status === "granted" ? Deno.env.get("INIT_CWD") : undefined;
  if (initCwd === undefined || initCwd === "") return Deno.cwd();
  try {
    return Deno.statSync(initCwd).isDirectory ? initCwd : Deno.cwd();
  } catch {
    return Deno.cwd();
  }
}

/**
 * Makes the folder the command was typed in the working directory, so relative paths on
 * the command line mean what the reader meant. Call it once, at a tool's start.
 */
export function enterInvocationDir(): void {
  const dir = invocationDir();
  if (dir !== Deno.cwd()) Deno.chdir(dir);
}

/** What {@link runCheckerCli} needs of a checker tool. */
export interface CheckerCli<Args extends { readonly help: boolean }> {
  /** The text `--help` prints, and the reminder after a bad command line. */
  readonly usage: string;
  /** Parses the command line; throws with a one-line reason when it is wrong. */
  readonly parseArgs: (args: readonly string[]) => Args;
  /** Runs the check, printing through `out` and `err`; resolves to the exit status. */
  readonly run: (
    args: Args,
    out: (line: string) => void,
    err: (line: string) => void,
  ) => Promise<number>;
}

/**
 * The command-line entry of a checker tool: enter the folder the command was typed in,
 * parse the arguments (exit 2 with the reason and the usage when they are wrong), print
 * the usage for `--help`, run, and exit with the run's status.
 */
export async function runCheckerCli<Args extends { readonly help: boolean }>(
  cli: CheckerCli<Args>,
): Promise<never> {
  enterInvocationDir();
  let args: Args;
  try {
    args = cli.parseArgs(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(cli.usage);
    Deno.exit(2);
  }
  if (args.help) {
    console.log(cli.usage);
    Deno.exit(0);
  }
  const status = await cli.run(args, (line) => console.log(line), (line) => console.error(line));
  Deno.exit(status);
}
