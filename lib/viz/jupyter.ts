/**
 * Handing outputs to the Deno Jupyter kernel so that they arrive with their own cell.
 *
 * Deno's kernel (2.9.6) sends a cell's outputs from asynchronous operations that run only
 * when its event loop turns, and it may report the cell finished (`idle`) before the loop
 * has turned: the output then goes out late, or stamped with the next cell's request, and
 * a front end drops it or shows it under the next cell. A raw client shows which outputs
 * suffer: a cell's value (the kernel formats and sends it asynchronously, after the cell
 * has run), `Deno.jupyter.display` and `broadcast` whose promises nothing awaits, and even
 * an awaited display when no timer is pending. Waiting for one timer turn keeps the loop
 * running until the queued messages are sent, which is what the helpers here do. A cell's
 * value cannot be made safe this way (it is formatted after the cell's code has finished), so
 * chapters end a cell with `await show(...)` or `await print(...)` (figure.ts), which
 * resolve only after that turn, and leave the cell's value `undefined`.
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

/** Resolves after one turn of the event loop (a zero-delay timer). */
export function kernelTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A display bundle for a `Symbol.for("Jupyter.display")` method. Inside the kernel it is a
 * promise that resolves after one turn of the event loop, so the kernel keeps its loop
 * running, and sends what the cell queued, before it sends the value and reports the cell
 * finished. Elsewhere (tests, scripts) it is the bundle itself.
 */
export function displayWhenFlushed<T>(bundle: T): T | Promise<T> {
  if (!inJupyterKernel()) return bundle;
  return kernelTurn().then(() => bundle);
}

/**
 * Shows a MIME bundle now, under the running cell, when running in the kernel, and waits
 * until it has been sent with this cell; elsewhere it shows nothing.
 */
export async function displayNow(bundle: DisplayBundle): Promise<void> {
  const jupyter = jupyterNamespace();
  if (jupyter === undefined) return;
  await jupyter.display(bundle, { raw: true });
  // The display is queued, not sent: one turn of the loop sends it with this cell.
  await kernelTurn();
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
