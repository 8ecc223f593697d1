/**
 * The browser build's stand-in for lib/viz/jupyter.ts, with the same exports: there is no
 * kernel, so displays and progress go to the page's sink (see page_sink.ts), and nothing
 * waits for a kernel to send them.
 *
 * @module
 */
import { progressBundle, type ProgressSink } from "../../lib/experiments/progress.ts";
import { pageSink } from "./page_sink.ts";
import { inspect } from "../inspect.ts";

/** A MIME bundle, as Jupyter displays it: MIME type to data. */
export type DisplayBundle = Readonly<Record<string, string>>;

/** Sends a message to the notebook front end (a kernel's broadcast). */
export type KernelBroadcast = (messageType: string, content: Record<string, unknown>) => void;

/** Whether this code runs inside `deno jupyter`: never, in a browser page. */
export function inJupyterKernel(): boolean {
  return false;
}

/** No wait in a page: 0 ms, whatever is queued. */
export function outputSettleMs(_messages: number, _bytes: number): number {
  return 0;
}

/** Resolves at once: a page sends its outputs as they are made. */
export function outputsSent(): Promise<void> {
  return Promise.resolve();
}

/** The bundle itself: a page needs no flush before a cell's value is shown. */
export function displayWhenFlushed<T>(bundle: T): T | Promise<T> {
  return bundle;
}

/** Hands a MIME bundle to the page, under the running cell (dropped with no sink installed). */
export function displayNow(bundle: DisplayBundle): Promise<void> {
  pageSink()?.display(bundle);
  return Promise.resolve();
}

/** A value's plain text, close to Deno's console (a page has no `Deno.inspect`). */
export function inspectValue(value: unknown): string {
  return inspect(value);
}

/**
 * There is no kernel to broadcast to.
 *
 * @throws {Error} always.
 */
export function kernelBroadcast(): KernelBroadcast {
  throw new Error("Cannot show progress in a notebook: this is a browser page, not a kernel");
}

/** No process: 0. */
export function kernelProcessId(): number {
  return 0;
}

/**
 * The page's progress bar: a sink that forwards every state to the page's sink installed
 * at the time of the update (dropped with none installed). When the sweep ends it also
 * leaves the line the notebook keeps ("done: 20 trials ..."), as an output, so the page's
 * outputs are the notebook's.
 */
export function hostProgress(): ProgressSink | undefined {
  return {
    update(state) {
      const sink = pageSink();
      sink?.progress(state);
      if (state.status !== "running") sink?.display(progressBundle(state));
    },
  };
}
