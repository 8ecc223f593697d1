/**
 * Finding the processes a test run started, by a path only they have on their command
 * line, to check that none is left and to end any that is.
 *
 * @module
 */

/** Ids of live processes whose command line contains `text` (Linux /proc). */
export async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
        if (cmdline.replaceAll("\0", " ").includes(text)) pids.push(Number(entry.name));
      } catch {
        // The process ended while we looked.
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return pids;
}
