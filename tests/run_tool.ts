/**
 * Runs one of the command-line tools as its own process, the way a user does, from the
 * repository's root, so tests can assert on its exit code and its exact output.
 *
 * @module
 */

/** What a tool run printed and how it ended. */
export interface ToolRun {
  /** The exit status. */
  readonly code: number;
  /** Standard output, decoded. */
  readonly stdout: string;
  /** Standard error, decoded. */
  readonly stderr: string;
  /** Standard output as bytes, to compare runs byte for byte. */
  readonly bytes: Uint8Array;
}

/** Options for {@link runTool}. */
export interface RunToolOptions {
  /** Deno permission flags. Default `["-A"]`. */
  readonly permissions?: readonly string[];
  /** Extra environment variables (added to this process's own). */
  readonly env?: Readonly<Record<string, string>>;
}

const REPO_ROOT = new URL("../", import.meta.url);
const REPO_ROOT_PATH = Deno.realPathSync(REPO_ROOT);
const decoder = new TextDecoder();

/**
 * Runs `deno run <permissions> <script> ...args` from the repository's root, as if typed
 * there: `INIT_CWD` (which `deno task` sets, and the tools resolve paths against) is the
 * root too, whatever folder the test run itself was started from.
 */
export async function runTool(
  script: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<ToolRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), script, ...args],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", INIT_CWD: REPO_ROOT_PATH, ...options.env },
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    bytes: output.stdout,
  };
}
