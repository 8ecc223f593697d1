/**
 * Where library code running in a browser page sends what a Jupyter front end would show:
 * the browser build's host modules (web/host/) call {@link pageSink}, and the worker that
 * runs a page's cells installs the sink with {@link setPageSink} and forwards everything to
 * the page. With no sink installed, outputs are dropped.
 *
 * @module
 */
import type { ProgressState } from "../../lib/experiments/progress.ts";

/** A MIME bundle, as Jupyter displays it: MIME type to data. */
export type MimeBundle = Readonly<Record<string, string>>;

/** What the page is told while a cell runs. */
export interface PageSink {
  /** A new output under the running cell (a figure, a table, a checked claim). */
  display(bundle: MimeBundle): void;
  /** The running cell's progress (a sweep's trials), redrawn in place. */
  progress(state: ProgressState): void;
}

let installed: PageSink | undefined;

/** Installs (or, with `undefined`, removes) the page's sink. */
export function setPageSink(sink: PageSink | undefined): void {
  installed = sink;
}

/** The installed sink, if any. */
export function pageSink(): PageSink | undefined {
  return installed;
}
