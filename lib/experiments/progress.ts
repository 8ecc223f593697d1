/**
 * Progress of long sweeps: a bar on stderr when it is a terminal, an updating output in
 * a Jupyter notebook, nothing in pipes and CI. Progress never writes to stdout, which is
 * data when the sweep runs from the command line.
 *
 * The library reads no wall clock: updates are throttled by trial count, and a sink
 * reports elapsed time only when the caller hands it a clock.
 *
 * @module
 */
import { hostProgress, inJupyterKernel, kernelBroadcast, kernelProcessId } from "../viz/jupyter.ts";
import { stderrIsTerminal, writeStderr } from "./stderr.ts";

/** Where a sweep stands: what a {@link ProgressSink} is told. */
export interface ProgressState {
  /** What is running (the experiment's name). */
  readonly label: string;
  /** Trials finished. */
  readonly done: number;
  /** Trials in the whole sweep. */
  readonly total: number;
  /** Rows produced so far. */
  readonly rows: number;
  /** Grid points in the sweep. */
  readonly points: number;
  /** Seeds per grid point. */
  readonly seeds: number;
  /** `running` until the last trial, then `done`; `failed` when a trial threw. */
  readonly status: "running" | "done" | "failed";
}

/**
 * Receives progress: once with `done: 0` before the first trial, then every so many
 * trials (at most about a hundred times in all), then once with status `done` or
 * `failed`.
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 * import { sweep } from "./sweep.ts";
 *
 * const seen: ProgressState[] = [];
 * sweep(pingRtt, { seeds: 50, progress: { update: (state) => seen.push(state) } });
 * seen.at(-1)?.status; // "done"
 * ```
 */
export interface ProgressSink {
  /** Shows `state`. Called synchronously between trials. */
  update(state: ProgressState): void;
}

/** Options shared by the progress sinks. */
export interface ProgressDisplayOptions {
  /**
   * A wall clock in milliseconds, to report how long the sweep took; the caller supplies
   * it, since the library reads none. Default none: the final line gives counts only.
   */
  readonly clock?: () => number;
}

/** Options for {@link terminalProgress}. */
export interface TerminalProgressOptions extends ProgressDisplayOptions {
  /** Writes text; default stderr. */
  readonly write?: (text: string) => void;
  /**
   * Redraw one line in place (a terminal) rather than print a line per tenth of the
   * sweep (a log file). Default: whether stderr is a terminal.
   */
  readonly interactive?: boolean;
  /** Characters in the bar. Default 24. */
  readonly barWidth?: number;
}

/**
 * A progress bar for a terminal: one line redrawn in place, ending in the "done" line.
 * Not interactive (stderr redirected to a file), it prints a line per tenth of the sweep.
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 * import { sweep } from "./sweep.ts";
 *
 * sweep(pingRtt, { seeds: 200, progress: terminalProgress() });
 * // stderr, last line: done: 200 trials (ping-rtt, 200 seeds → 12000 rows)
 * // (with `clock`, a wall clock in ms, the line also says how long the sweep took)
 * ```
 */
export function terminalProgress(options: TerminalProgressOptions = {}): ProgressSink {
  const write = options.write ?? writeStderr;
  const interactive = options.interactive ?? stderrIsTerminal();
  const barWidth = options.barWidth ?? 24;
  const timer = startTimer(options.clock);
  let lastTenth = -1;
  return {
    update(state) {
      const elapsedMs = timer.update(state);
      if (state.status !== "running") {
        const line = formatProgress(state, { elapsedMs });
        write(interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
        return;
      }
      if (interactive) {
        write(`\r${formatProgress(state, { barWidth })}\x1b[K`);
        return;
      }
      const tenth = state.total === 0 ? 10 : Math.floor((10 * state.done) / state.total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        write(`${formatProgress(state, { barWidth })}\n`);
      }
    },
  };
}

/** The part of Deno's Jupyter API a notebook progress display needs. */
export type JupyterBroadcast = (messageType: string, content: Record<string, unknown>) => void;

/** Options for {@link jupyterProgress}. */
export interface JupyterProgressOptions extends ProgressDisplayOptions {
  /** Sends a message to the notebook; default `Deno.jupyter.broadcast`. */
  readonly broadcast?: JupyterBroadcast;
  /** The output's display id. Default: unique per sweep and kernel process. */
  readonly displayId?: string;
  /**
   * Most redraws while running (the first and the final state come on top). Default 20:
   * each redraw is a message to the notebook, and a long queue of them can still be in
   * flight when the cell ends.
   */
  readonly maxUpdates?: number;
}

let displayCount = 0;

/**
 * An updating output in a Jupyter notebook (Deno's kernel): one `display_data` message
 * with a display id, then `update_display_data` messages that redraw it, ending in the
 * "done" line that the saved notebook keeps. Outside the kernel it throws, so this
 * example is a notebook cell and is not run as a doc test.
 *
 * @example
 * ```ts ignore
 * import { pingRtt } from "./ping_rtt.ts";
 * import { sweep } from "./sweep.ts";
 *
 * sweep(pingRtt, { seeds: 100, progress: jupyterProgress() });
 * ```
 */
export function jupyterProgress(options: JupyterProgressOptions = {}): ProgressSink {
  const broadcast = options.broadcast ?? kernelBroadcast();
  // The process id keeps ids apart across kernel restarts: an output left by an earlier
  // kernel with the same id would otherwise be redrawn too.
  const displayId = options.displayId ?? `sweep-progress-${kernelProcessId()}-${++displayCount}`;
  const timer = startTimer(options.clock);
  const maxUpdates = options.maxUpdates ?? 20;
  let shown = false;
  let lastStep = 0;
  return {
    update(state) {
      if (shown && state.status === "running") {
        const step = state.total === 0 ? 0 : Math.floor((maxUpdates * state.done) / state.total);
        if (step <= lastStep) return;
        lastStep = step;
      }
      const data = progressBundle(state, timer.update(state));
      broadcast(shown ? "update_display_data" : "display_data", {
        data,
        metadata: {},
        transient: { display_id: displayId },
      });
      shown = true;
    },
  };
}

/** Options for {@link formatProgress}. */
export interface FormatProgressOptions {
  /** How long the sweep took, for the final line. */
  readonly elapsedMs?: number | undefined;
  /** Characters in the bar of a running sweep; 0 for none. Default 24. */
  readonly barWidth?: number;
}

/**
 * One line for a progress state: a bar while running, then
 * `done: 20 trials in 1.2 s (ping-rtt, 4 grid points × 5 seeds → 600 rows)`.
 *
 * @example
 * ```ts
 * formatProgress({ label: "ping-rtt", done: 5, total: 20, rows: 150, points: 4, seeds: 5,
 *   status: "running" }, { barWidth: 8 });
 * // "ping-rtt [██░░░░░░]   5/20 trials"
 * ```
 */
export function formatProgress(state: ProgressState, options: FormatProgressOptions = {}): string {
  const { label, done, total } = state;
  if (state.status === "done") {
    const took = options.elapsedMs === undefined ? "" : ` in ${formatDuration(options.elapsedMs)}`;
    return `done: ${plural(done, "trial")}${took} (${label}, ${shapeOf(state)} → ${
      plural(state.rows, "row")
    })`;
  }
  if (state.status === "failed") {
    return `failed: trial ${done + 1} of ${total} threw (${label}, ${plural(done, "trial")} done)`;
  }
  const width = options.barWidth ?? 24;
  const counts = `${String(done).padStart(String(total).length)}/${total} trials`;
  if (width <= 0) return `${label} ${counts}`;
  const filled = total === 0 ? width : Math.floor((width * done) / total);
  return `${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${counts}`;
}

/**
 * The progress sink that suits where the code runs: the notebook's output in Deno's
 * Jupyter kernel (or the page's progress bar in a browser page), else a bar on stderr when
 * it is a terminal, else none (undefined).
 */
export function autoProgress(options: ProgressDisplayOptions = {}): ProgressSink | undefined {
  const host = hostProgress();
  if (host !== undefined) return host;
  if (inJupyter()) return jupyterProgress(options);
  if (stderrIsTerminal()) return terminalProgress({ ...options, interactive: true });
  return undefined;
}

/**
 * The sink for a sweep's `progress` option: the sink itself; `false` none; `true` the
 * notebook's output or stderr (even when not a terminal); undefined {@link autoProgress}
 * when the sweep has at least `minTrials` trials, else none.
 */
export function resolveProgress(
  progress: ProgressSink | boolean | undefined,
  trials: number,
  minTrials = 1,
): ProgressSink | undefined {
  if (progress === false) return undefined;
  if (progress === true) {
    return hostProgress() ?? (inJupyter() ? jupyterProgress() : terminalProgress());
  }
  if (progress !== undefined) {
    if (typeof progress?.update !== "function") {
      throw new TypeError("Cannot report progress: progress must be a boolean or a ProgressSink");
    }
    return progress;
  }
  return trials >= minTrials ? autoProgress() : undefined;
}

/** Whether the code runs in Deno's Jupyter kernel. */
export function inJupyter(): boolean {
  return inJupyterKernel();
}

// ---- helpers ---------------------------------------------------------------------------

/** Remembers when a sweep started, by the caller's clock, to tell how long it took. */
function startTimer(clock: (() => number) | undefined) {
  let startedMs: number | undefined;
  return {
    update(state: ProgressState): number | undefined {
      if (clock === undefined) return undefined;
      if (startedMs === undefined || (state.done === 0 && state.status === "running")) {
        startedMs = clock();
      }
      return clock() - startedMs;
    },
  };
}

function shapeOf(state: ProgressState): string {
  const seeds = plural(state.seeds, "seed");
  return state.points > 1 ? `${plural(state.points, "grid point")} × ${seeds}` : seeds;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/**
 * The MIME bundle a notebook shows for a progress state: a bar while running, then the
 * "done" line that stays in the saved notebook (and in a page's outputs).
 */
export function progressBundle(
  state: ProgressState,
  elapsedMs?: number,
): { "text/plain": string; "text/html": string } {
  return {
    "text/plain": formatProgress(state, { elapsedMs }),
    "text/html": progressHtml(state, elapsedMs),
  };
}

function progressHtml(state: ProgressState, elapsedMs: number | undefined): string {
  const text = escapeHtml(formatProgress(state, { elapsedMs, barWidth: 0 }));
  if (state.status !== "running") return `<div class="sweep-progress">${text}</div>`;
  return `<div class="sweep-progress"><progress value="${state.done}" max="${state.total}">` +
    `</progress> ${text}</div>`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c,
  );
}
