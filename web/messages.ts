/**
 * The messages between an exported chapter page (web/page.ts) and the worker that runs its
 * cells (web/worker.ts). Every message from the worker names the run it belongs to, so a
 * page can ignore what a cancelled run still had in flight.
 *
 * @module
 */
import type { ProgressState } from "../lib/experiments/progress.ts";
import type { MimeBundle } from "./host/page_sink.ts";

/** A code cell of the chapter, as the page embeds it. */
export interface PageCell {
  /** The cell's index in the notebook (markdown cells count). */
  readonly index: number;
  /** The cell's TypeScript source. */
  readonly source: string;
}

/** What the page embeds in `<script type="application/json" id="notebook-cells">`. */
export interface PageData {
  /** The worker script, relative to the page. */
  readonly worker: string;
  /** Every code cell of the chapter, in notebook order. */
  readonly cells: readonly PageCell[];
}

/** The id of the element that holds the page's {@link PageData}. */
export const PAGE_DATA_ID = "notebook-cells";

/** Page to worker. */
export type ToWorker =
  | { readonly type: "load"; readonly cells: readonly PageCell[] }
  | {
    readonly type: "run";
    readonly runId: number;
    /** The notebook index of the cell to run. */
    readonly index: number;
    /** Its source, possibly edited in the page. */
    readonly source: string;
    /** The code of other cells as edited in the page, by notebook index. */
    readonly edits?: Readonly<Record<number, string>>;
  };

/** An error as the page shows it under a cell. */
export interface RunError {
  /** "RangeError", "SyntaxError", ... */
  readonly ename: string;
  /** The error's message. */
  readonly evalue: string;
  /** The text to show: name, message and the cell's line with a caret. */
  readonly text: string;
  /** The notebook index of the cell that failed (an earlier cell this one needs, or itself). */
  readonly index: number;
  /** The line in that cell, when known. */
  readonly line?: number;
  /** The column in that line, when known. */
  readonly column?: number;
}

/** Worker to page. */
export type FromWorker =
  | { readonly type: "status"; readonly runId: number; readonly text: string }
  | { readonly type: "display"; readonly runId: number; readonly bundle: MimeBundle }
  | {
    readonly type: "stream";
    readonly runId: number;
    readonly name: "stdout" | "stderr";
    readonly text: string;
  }
  | { readonly type: "progress"; readonly runId: number; readonly state: ProgressState }
  | { readonly type: "error"; readonly runId: number; readonly error: RunError }
  | {
    readonly type: "done";
    readonly runId: number;
    readonly ok: boolean;
    /** Wall time of the whole run, earlier cells included. */
    readonly ms: number;
    /** Wall time of the cell itself. */
    readonly cellMs: number;
    /** Notebook indices of the earlier cells this run executed first. */
    readonly ranFirst: readonly number[];
  };
