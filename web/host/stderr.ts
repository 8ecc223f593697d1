/**
 * The browser build's stand-in for lib/experiments/stderr.ts, with the same exports: a page
 * has no stderr, so a terminal progress bar goes to the console.
 *
 * @module
 */

/** A page is no terminal. */
export function stderrIsTerminal(): boolean {
  return false;
}

/** Writes text to the console's error stream (a page's stand-in for stderr). */
export function writeStderr(text: string): void {
  console.error(text.replace(/\n$/, ""));
}
