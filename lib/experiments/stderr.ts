/**
 * The process's stderr, where a terminal progress bar is drawn. The browser build swaps
 * this module for web/host/stderr.ts (same exports; a page has no stderr).
 *
 * @module
 */

/** Whether stderr is a terminal (a bar can be redrawn in place); false when unknown. */
export function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

const encoder = new TextEncoder();

/** Writes text to stderr, all of it. */
export function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}
