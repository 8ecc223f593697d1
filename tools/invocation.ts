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
