/**
 * The browser build's stand-in for lib/history/files.ts, with the same exports: a page
 * cannot read the reader's files, so every call fails with an error that says where such
 * a cell can run.
 *
 * @module
 */

const WHERE = "open this chapter in JupyterLab to run cells that read files";

/**
 * Fails: a page has no file system.
 *
 * @throws {Error} naming the file.
 */
export function readTextFile(path: string | URL): Promise<string> {
  return Promise.reject(new Error(`Cannot read ${String(path)} in a browser page: ${WHERE}`));
}

/**
 * Fails: a page has no file system.
 *
 * @throws {Error} naming the file.
 */
export function writeTextFile(path: string | URL, _text: string): Promise<void> {
  return Promise.reject(
    new Error(`Cannot write ${String(path)} in a browser page: open this chapter in JupyterLab`),
  );
}

/** The path itself: a page has no symbolic links to resolve. */
export function realPath(path: string | URL): string {
  return path instanceof URL ? path.pathname : path;
}
