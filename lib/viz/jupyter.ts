/**
 * Handing outputs to the Deno Jupyter kernel so that they arrive with their own cell.
 *
 * Deno's kernel (2.9.6) runs a cell on one thread and talks to the front end from another.
 * Everything a cell outputs (`Deno.jupyter.display`, `broadcast`, `console.log`, its value)
 * goes into a queue between the two, and the talking thread drains that queue one message
 * at a time, signing and writing each. When the cell finishes, the same thread reports it
 * finished (`idle`) without waiting for the queue to be empty. A message still queued then
 * goes out after `idle`, where a standard client (nbconvert, JupyterLab, VS Code) has
 * stopped listening for that cell, or stamped with the next cell's request, which files it
 * under the next cell. How long the queue takes to drain depends on what is in it and on
 * how busy the machine is, and the cell's thread cannot see the queue.
 *
 * So the helpers here wait, in real time, for the queue to drain before they resolve: a
 * floor that covers a busy machine's scheduling delay, plus time for the messages and bytes
 * the library queued since the last wait. Chapters end a cell with `await show(...)` or
 * `await print(...)` (figure.ts), which resolve only after that wait, and leave the cell's
 * value `undefined`: a cell's value is queued after the cell has finished, when no wait can
 * help it.
 *
 * This is the one place in the library that uses a timer; it never affects results. It is
 * also the library's one door to the kernel (displays, progress messages, the process id):
 * the browser build swaps this module for web/host/jupyter.ts, which has the same exports
 * and sends everything to the page instead (see web/host/page_sink.ts).
 *
 * @module
 */
import type { ProgressSink } from "../experiments/progress.ts";

/** A MIME bundle, as Jupyter displays it: MIME type to data. */
export type DisplayBundle = Readonly<Record<string, string>>;

/** Sends a message to the notebook front end (Deno's `Deno.jupyter.broadcast`). */
export type KernelBroadcast = (messageType: string, content: Record<string, unknown>) => void;

/** Whether this code runs inside `deno jupyter` (reading `Deno.jupyter` throws outside it). */
export function inJupyterKernel(): boolean {
  try {
    const deno = (globalThis as { Deno?: { jupyter?: { broadcast?: unknown } } }).Deno;
    return typeof deno?.jupyter?.broadcast === "function";
  } catch {
    return false;
  }
}

/**
 * The least time the kernel is given to send what a cell queued, in milliseconds: on a
 * busy machine its sending thread can wait one scheduling period (some 10 to 20 ms) before
 * it runs again.
 */
const OUTPUT_SETTLE_MS = 25;

/**
 * The time assumed for each queued message, in milliseconds: the kernel signs each one on a
 * worker thread and writes it, a few turns of its event loop.
 */
const OUTPUT_MS_PER_MESSAGE = 1;

/**
 * The sending rate assumed for queued bytes, in bytes per millisecond: well below what a
 * front end reads on a busy machine (the kernel signs each message and writes it to every
 * client), so that a figure's bytes are counted generously.
 */
const OUTPUT_BYTES_PER_MS = 10_000;

let messagesQueuedSinceSettle = 0;
let bytesQueuedSinceSettle = 0;

/** Counts a message handed to the kernel's queue, and its bytes, for {@link outputsSent}. */
function noteQueuedMessage(bytes: number): void {
  messagesQueuedSinceSettle += 1;
  bytesQueuedSinceSettle += bytes;
}

/**
 * How long {@link outputsSent} waits for the kernel to send a queue of so many messages and
 * bytes, in milliseconds.
 *
 * @example
 * ```ts
 * outputSettleMs(1, 50_000); // 25 + 1 + 5 = 31
 * ```
 */
export function outputSettleMs(messages: number, bytes: number): number {
  return OUTPUT_SETTLE_MS + messages * OUTPUT_MS_PER_MESSAGE + bytes / OUTPUT_BYTES_PER_MS;
}

/**
 * Resolves once the kernel has had time to send everything queued so far: inside the
 * kernel, after {@link outputSettleMs} for what was queued since the last call (console
 * output the library does not see is covered by the floor); elsewhere at once.
 */
export function outputsSent(): Promise<void> {
  if (!inJupyterKernel()) return Promise.resolve();
  const waitMs = outputSettleMs(messagesQueuedSinceSettle, bytesQueuedSinceSettle);
  messagesQueuedSinceSettle = 0;
  bytesQueuedSinceSettle = 0;
  return new Promise((resolve) => setTimeout(resolve, waitMs));
}

/**
 * A display bundle for a `Symbol.for("Jupyter.display")` method. Inside the kernel it is a
 * promise that resolves after {@link outputsSent}, so that what the cell showed before its
 * value is sent with the cell (the value itself the kernel queues afterwards, and it may
 * still arrive late: chapters show things with `await show(...)`). Elsewhere (tests,
 * scripts) it is the bundle itself.
 */
export function displayWhenFlushed<T>(bundle: T): T | Promise<T> {
  if (!inJupyterKernel()) return bundle;
  return outputsSent().then(() => bundle);
}

/**
 * Shows a MIME bundle now, under the running cell, when running in the kernel, and resolves
 * once the kernel has had time to send it with this cell ({@link outputsSent}); elsewhere it
 * shows nothing.
 */
export async function displayNow(bundle: DisplayBundle): Promise<void> {
  const jupyter = jupyterNamespace();
  if (jupyter === undefined) return;
  noteQueuedMessage(bundleBytes(bundle));
  await jupyter.display(bundle, { raw: true });
  await outputsSent();
}

/** A value's plain text as the kernel prints a cell's value: Deno's inspection. */
export function inspectValue(value: unknown): string {
  return Deno.inspect(value);
}

/**
 * The kernel's broadcast (display and update messages to the notebook).
 *
 * @throws {Error} outside Deno's Jupyter kernel.
 */
export function kernelBroadcast(): KernelBroadcast {
  if (!inJupyterKernel()) {
    throw new Error("Cannot show progress in a notebook: this is not Deno's Jupyter kernel");
  }
  return (messageType, content) => {
    noteQueuedMessage(JSON.stringify(content).length);
    void Deno.jupyter.broadcast(messageType, content);
  };
}

/**
 * The kernel's process id: display ids that include it stay apart across kernel restarts
 * (an output left by an earlier kernel with the same id would otherwise be redrawn too).
 */
export function kernelProcessId(): number {
  return Deno.pid;
}

/**
 * A progress sink drawn by the host itself, when the host draws progress without kernel
 * messages: none under Deno (the kernel's progress is `jupyterProgress`, over
 * {@link kernelBroadcast}); a browser page's progress bar in the browser build.
 */
export function hostProgress(): ProgressSink | undefined {
  return undefined;
}

interface JupyterNamespace {
  display(bundle: DisplayBundle, options: { raw: boolean }): Promise<void>;
}

function jupyterNamespace(): JupyterNamespace | undefined {
  // Reading Deno.jupyter throws outside `deno jupyter`; a browser has no Deno at all.
  try {
    const deno = (globalThis as { Deno?: { jupyter?: JupyterNamespace } }).Deno;
    const jupyter = deno?.jupyter;
    return typeof jupyter?.display === "function" ? jupyter : undefined;
  } catch {
    return undefined;
  }
}

/** About how many bytes a bundle takes in a message: the length of its texts. */
function bundleBytes(bundle: DisplayBundle): number {
  let bytes = 0;
  for (const text of Object.values(bundle)) bytes += text.length;
  return bytes;
}
