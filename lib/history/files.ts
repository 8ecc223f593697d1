/**
 * The file system, for history files and the bundled Jepsen histories. The browser build
 * swaps this module for web/host/files.ts (same exports), where reading a file fails with
 * an error that says where such a cell can run.
 *
 * @module
 */

/** Reads a whole text file. */
export function readTextFile(path: string | URL): Promise<string> {
  return Deno.readTextFile(path);
}

/** Writes a whole text file, replacing it. */
export function writeTextFile(path: string | URL, text: string): Promise<void> {
  return Deno.writeTextFile(path, text);
}

/** The real path of a file or folder, with symbolic links resolved. */
export function realPath(path: string | URL): string {
  return Deno.realPathSync(path);
}
