/**
 * A history drawn as bars: one row per process, one bar per operation from its invoke to
 * its completion, coloured by function. Operations with an unknown outcome run off to the
 * right edge; failed ones are hollow. Given the checker's evidence, the point where
 * linearization fails is marked and the operations involved are outlined; given a
 * linearization, the instant each operation takes effect is marked and numbered.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { formatValue } from "../config/mod.ts";
import { type History, type PairedOperation, pairOperations } from "../history/operation.ts";
import { plotDocument } from "../viz/dom.ts";
import { Figure } from "../viz/figure.ts";
import type { ChartOptions } from "../viz/charts.ts";
import type { LinearizabilityEvidence, OperationSummary } from "./linearizability.ts";

/** One bar of {@link historyBars}: an operation as a tidy row. */
export interface HistoryBarRow {
  /** The process, as the row label (`p3`). */
  readonly process: string;
  /** The function. */
  readonly f: string;
  /** How it ended (`info` also for an invoke never completed). */
  readonly outcome: "ok" | "fail" | "info";
  /** Where the bar starts: the invoke's time (or position, without times). */
  readonly start: number;
  /** Where it ends: the completion's time, or the right edge for an unknown outcome. */
  readonly end: number;
  /** Whether the bar runs to the edge because its outcome is unknown. */
  readonly open: boolean;
  /** Short text drawn on the bar (`r 2`, `w 4`, `cas 1→3`). */
  readonly text: string;
  /** What hovering over the bar says. */
  readonly title: string;
  /** Position of the invoke in the history. */
  readonly index: number;
  /**
   * Its part in the evidence: `stuck` for the operation that could not be linearized,
   * `pending` for the others pending there, `linearized` for the prefix, else `other`.
   */
  readonly role: "stuck" | "pending" | "linearized" | "other";
}

/** Options of {@link historyBarRows}. */
export interface HistoryBarRowsOptions {
  /** Draw only this key's operations. Default: the evidence's key, else every operation. */
  readonly key?: string;
  /** The checker's evidence, to mark the operations involved. */
  readonly evidence?: LinearizabilityEvidence;
  /**
   * `"evidence"`: only the operations near the failure (the pending ones and the last few
   * of the prefix); `"all"`: every operation. Default `"all"`.
   */
  readonly window?: "all" | "evidence";
  /** How many of the prefix's last operations the evidence window keeps. Default 6. */
  readonly prefixOperations?: number;
  /** Write each operation's key on its bar (`x: w 1`), for key-value histories. Default false. */
  readonly showKeys?: boolean;
}

/**
 * The rows {@link historyBars} draws, with the axis they use: times when every record
 * has one, positions in the history otherwise.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "./linearizability.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ];
 * const { evidence } = checkLinearizable(history);
 * const { rows, axis } = historyBarRows(history, { window: "evidence", evidence });
 * axis; // "index": the records carry no times
 * rows.map((row) => row.role); // ["linearized", "stuck"]
 * ```
 */
export function historyBarRows(
  history: History,
  options: HistoryBarRowsOptions = {},
): { rows: HistoryBarRow[]; axis: "time" | "index"; failedAt: number | undefined } {
  const { evidence, window = "all", prefixOperations = 6 } = options;
  if (window !== "all" && window !== "evidence") {
    throw new RangeError(
      `Cannot draw history bars: window must be "all" or "evidence", got ${formatValue(window)}`,
    );
  }
  if (window === "evidence" && evidence === undefined) {
    throw new TypeError("Cannot draw the evidence window: pass the checker's evidence");
  }
  const key = options.key ?? evidence?.key;
  const timed = history.length > 0 && history.every((op) => op.time !== undefined);
  const at = (index: number) => timed ? history[index]!.time! : index;
  const pairs = pairOperations(history).filter((pair) =>
    pair.process !== "nemesis" && (key === undefined || pair.key === key)
  );
  const roles = new Map<number, HistoryBarRow["role"]>();
  let keep: ((pair: PairedOperation) => boolean) | undefined;
  if (evidence !== undefined) {
    for (const op of evidence.linearized) roles.set(op.index, "linearized");
    for (const { operation } of evidence.pending) roles.set(operation.index, "pending");
    roles.set(evidence.operation.index, "stuck");
    if (window === "evidence") {
      const recent = new Set(evidence.linearized.slice(-prefixOperations).map((op) => op.index));
      const involved = new Set(evidence.pending.map((p) => p.operation.index));
      const firstInvoke = Math.min(
        evidence.operation.index,
        ...[...recent, ...involved].filter((index) => index >= 0),
      );
      keep = (pair) =>
        recent.has(pair.invokeIndex) || involved.has(pair.invokeIndex) ||
        (pair.invokeIndex >= firstInvoke && pair.invokeIndex <= evidence.failedAt);
    }
  }
  const shown = keep === undefined ? pairs : pairs.filter(keep);
  let last = 0;
  for (const pair of shown) {
    last = Math.max(last, at(pair.completeIndex ?? pair.invokeIndex));
  }
  if (evidence !== undefined) last = Math.max(last, at(evidence.failedAt));
  const first = shown.length === 0 ? 0 : at(shown[0]!.invokeIndex);
  const edge = last + Math.max(1, (last - first) * 0.04);
  const rows = shown.map((pair): HistoryBarRow => {
    const open = pair.completeIndex === undefined || pair.outcome === "info";
    const start = at(pair.invokeIndex);
    const end = open ? edge : Math.max(at(pair.completeIndex!), start);
    const process = typeof pair.process === "number" ? `p${pair.process}` : String(pair.process);
    const text = options.showKeys && pair.key !== undefined
      ? `${pair.key}: ${barText(pair)}`
      : barText(pair);
    // In the axis's own unit: ms when the history has times, else event positions.
    const ms = (t: number) => `${Math.round(t * 1000) / 1000}`;
    const span = timed
      ? (open
        ? `invoked at ${ms(start)} ms, outcome unknown`
        : `${ms(start)}–${ms(at(pair.completeIndex!))} ms`)
      : (open
        ? `invoked at event ${pair.invokeIndex}, outcome unknown`
        : `events ${pair.invokeIndex}–${pair.completeIndex}`);
    return {
      process,
      f: pair.f,
      outcome: pair.outcome,
      start,
      end,
      open,
      text,
      title: `${process} ${pair.f} ${describeValues(pair)} (${pair.outcome}, ${span})`,
      index: pair.invokeIndex,
      role: roles.get(pair.invokeIndex) ?? "other",
    };
  });
  return {
    rows,
    axis: timed ? "time" : "index",
    failedAt: evidence === undefined ? undefined : at(evidence.failedAt),
  };
}

/** Where one operation takes effect, as {@link linearizationPoints} places it. */
export interface LinearizationPoint {
  /** The process, as the row label (`p3`). */
  readonly process: string;
  /** The instant, on the axis of {@link historyBarRows}, within the operation's bar. */
  readonly at: number;
  /** Its place in the linearization, from 1. */
  readonly order: number;
  /** Position of its invoke in the history. */
  readonly index: number;
  /** The operation, as the checker labels it (`p1 read → 2`). */
  readonly label: string;
}

/**
 * Instants at which the operations of a linearization take effect: one per operation,
 * inside its bar (after its invoke, before its completion) and in the linearization's
 * order, on the axis {@link historyBarRows} uses: no earlier than any invoke before it in
 * the order, no later than any completion after it, and spread evenly where several must
 * fit before the same completion. Throws a RangeError when the order does not respect real
 * time (it puts an operation after one invoked only once the first had completed).
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "./linearizability.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "ok", f: "read", value: 1 },
 * ];
 * const { keys } = checkLinearizable(history);
 * linearizationPoints(history, keys[0]!.linearization!);
 * // [{ process: "p0", at: 1, order: 1, index: 0, label: "p0 write 1" },
 * //  { process: "p1", at: 2, order: 2, index: 1, label: "p1 read → 1" }]
 * ```
 */
export function linearizationPoints(
  history: History,
  linearization: readonly OperationSummary[],
  options: { readonly key?: string } = {},
): LinearizationPoint[] {
  const key = options.key ?? linearization[0]?.key;
  const { rows } = historyBarRows(history, key === undefined ? {} : { key });
  const byIndex = new Map(rows.map((row) => [row.index, row]));
  const spans = linearization.map((op) => {
    const row = byIndex.get(op.index);
    if (row === undefined) {
      throw new RangeError(
        `Cannot place ${op.label}: no operation of the history is invoked at ${op.index}`,
      );
    }
    return { op, row };
  });
  let latestInvoked: OperationSummary | undefined;
  for (const { op } of spans) {
    if (
      latestInvoked !== undefined && op.outcome === "ok" && op.completeIndex !== undefined &&
      op.completeIndex < latestInvoked.index
    ) {
      throw new RangeError(
        `Cannot place the linearization: ${op.label} completes before ${latestInvoked.label} ` +
          "is invoked, but the order puts it later",
      );
    }
    if (latestInvoked === undefined || op.index > latestInvoked.index) latestInvoked = op;
  }
  // Earliest instant each may take given the invokes before it, latest given the
  // completions after it: both never decrease along the order. Operations that share a
  // latest instant share the room before it evenly.
  const earliest: number[] = [];
  let low = -Infinity;
  for (const { row } of spans) earliest.push(low = Math.max(low, row.start));
  const latest: number[] = new Array(spans.length);
  let high = Infinity;
  for (let i = spans.length - 1; i >= 0; i--) latest[i] = high = Math.min(high, spans[i]!.row.end);
  const points: LinearizationPoint[] = [];
  let previous = -Infinity;
  for (const [i, { op, row }] of spans.entries()) {
    const to = latest[i]!;
    const from = Math.min(Math.max(earliest[i]!, previous), to);
    let sharing = 1;
    while (i + sharing < spans.length && latest[i + sharing] === to) sharing++;
    const at = from + (to - from) / (sharing + 1);
    points.push({ process: row.process, at, order: i + 1, index: op.index, label: op.label });
    previous = at;
  }
  return points;
}

/** Options of {@link historyBars}: which operations, and any Plot option. */
export interface HistoryBarsOptions extends HistoryBarRowsOptions, ChartOptions {
  /** Write each operation's arguments on the bars wide enough to hold them. Default true. */
  readonly labels?: boolean;
  /**
   * A linearization (a key's `linearization` from {@link checkLinearizable}): marks the
   * instant each operation takes effect, numbered in order and joined by a line.
   */
  readonly linearization?: readonly OperationSummary[];
}

const F_COLORS: Record<string, string> = { read: "#4269d0", write: "#3ca951", cas: "#ff725c" };
const OTHER_COLORS = ["#efb118", "#a463f2", "#6cc5b0", "#ff8ab7", "#9c6b4e", "#9498a0"];
const FAIL_COLOR = "#d62728";
const ROW_PX = 22;
/** Width of one character of a bar label (9 px sans-serif), generously. */
const LABEL_CHAR_PX = 5.5;

/**
 * Draws a history (or one key of it) as bars per process on a time axis (positions in the
 * history when the records carry no time). With `evidence` from
 * {@link checkLinearizable}, a red rule marks where linearization fails, the operation
 * that could not be linearized is outlined in red and the other pending ones in black;
 * `window: "evidence"` zooms in on them.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "./linearizability.ts";
 * import type { History } from "../history/mod.ts";
 *
 * const history: History = [
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ];
 * const result = checkLinearizable(history);
 * historyBars(history, { evidence: result.evidence, window: "evidence" }); // a Figure
 * ```
 */
export function historyBars(history: History, options: HistoryBarsOptions = {}): Figure {
  const {
    key,
    evidence,
    window,
    prefixOperations,
    showKeys,
    labels,
    linearization,
    xLabel,
    yLabel,
    xScale,
    yScale,
    marks: extra,
    ...chart
  } = options;
  const { rows, axis, failedAt } = historyBarRows(history, {
    ...(key === undefined ? {} : { key }),
    ...(evidence === undefined ? {} : { evidence }),
    ...(window === undefined ? {} : { window }),
    ...(prefixOperations === undefined ? {} : { prefixOperations }),
    ...(showKeys === undefined ? {} : { showKeys }),
  });
  const processes = [...new Set(rows.map((row) => row.process))];
  const present = new Set(rows.map((row) => row.f));
  const fs = [...Object.keys(F_COLORS).filter((f) => present.has(f)), ...present]
    .filter((f, i, all) => all.indexOf(f) === i);
  const colors = fs.map((f, i) => F_COLORS[f] ?? OTHER_COLORS[i % OTHER_COLORS.length]!);
  const closed = rows.filter((row) => !row.open);
  const open = rows.filter((row) => row.open);
  const bar = {
    x1: "start",
    x2: "end",
    y: "process",
    insetTop: 3,
    insetBottom: 3,
    title: "title",
  } as const;
  const marks: Plot.Markish[] = [
    Plot.barX(closed.filter((row) => row.outcome === "ok"), {
      ...bar,
      fill: "f",
      className: "history-bar",
    }),
    Plot.barX(closed.filter((row) => row.outcome === "fail"), {
      ...bar,
      fill: "white",
      stroke: "f",
      strokeDasharray: "3,2",
      className: "history-bar-fail",
    }),
    Plot.barX(open, {
      ...bar,
      fill: "f",
      fillOpacity: 0.3,
      stroke: "f",
      strokeDasharray: "4,3",
      className: "history-bar-open",
    }),
  ];
  if (evidence !== undefined) {
    marks.push(
      Plot.barX(rows.filter((row) => row.role === "pending"), {
        ...bar,
        stroke: "black",
        strokeWidth: 1.5,
        fill: "none",
        className: "history-bar-pending",
      }),
      Plot.barX(rows.filter((row) => row.role === "stuck"), {
        ...bar,
        stroke: FAIL_COLOR,
        strokeWidth: 2.5,
        fill: "none",
        className: "history-bar-stuck",
      }),
    );
  }
  if (labels ?? true) {
    const text = { y: "process", fontSize: 9, fill: "black", className: "history-bar-label" };
    // Roughly how many pixels one unit of the axis takes, to skip labels that would not fit.
    const low = Math.min(...rows.map((row) => row.start));
    const high = Math.max(...rows.map((row) => row.end));
    const plotWidth = (typeof chart.width === "number" ? chart.width : 640) - 64;
    const pxPerUnit = high > low ? plotWidth / (high - low) : 0;
    const fits = (row: HistoryBarRow) =>
      (row.end - row.start) * pxPerUnit >= row.text.length * LABEL_CHAR_PX + 4;
    marks.push(
      Plot.text(closed.filter(fits), {
        ...text,
        x: (row: HistoryBarRow) => (row.start + row.end) / 2,
        text: "text",
      }),
      Plot.text(open, {
        ...text,
        x: "start",
        text: (row: HistoryBarRow) => `${row.text} ?`,
        textAnchor: "start",
        dx: 3,
      }),
    );
  }
  if (linearization !== undefined) {
    const points = linearizationPoints(history, linearization, key === undefined ? {} : { key })
      .filter((point) => processes.includes(point.process));
    const at = { x: "at", y: "process", title: "label" } as const;
    // Numbered discs sit on the bars' top edges, clear of the labels in their middles.
    const lift = -(ROW_PX / 2 - 3);
    marks.push(
      Plot.line(points, {
        ...at,
        stroke: "black",
        strokeWidth: 1,
        strokeDasharray: "2,2",
        className: "history-linearization-path",
      }),
      Plot.tickX(points, {
        ...at,
        stroke: "black",
        strokeWidth: 1.5,
        insetTop: 3,
        insetBottom: 3,
        className: "history-linearization-tick",
      }),
      Plot.dot(points, {
        ...at,
        r: 6.5,
        dy: lift,
        fill: "black",
        stroke: "white",
        className: "history-linearization-point",
      }),
      Plot.text(points, {
        ...at,
        text: (point: LinearizationPoint) => String(point.order),
        dy: lift,
        fontSize: 9,
        fontWeight: "bold",
        fill: "white",
        className: "history-linearization-order",
      }),
    );
  }
  if (evidence !== undefined && failedAt !== undefined) {
    // Label towards the side with room, so it is not clipped at the frame's edge.
    const starts = rows.map((row) => row.start);
    const low = Math.min(failedAt, ...starts);
    const high = Math.max(failedAt, ...rows.map((row) => row.end));
    const rightHalf = failedAt - low > (high - low) / 2;
    const label = `linearization fails: ${evidence.operation.label}` +
      ` (register holds ${formatValue(evidence.value)})`;
    marks.push(
      Plot.ruleX([failedAt], {
        stroke: FAIL_COLOR,
        strokeWidth: 2,
        className: "history-fail-rule",
      }),
      Plot.text([failedAt], {
        x: (d: number) => d,
        text: () => label,
        frameAnchor: "top",
        lineAnchor: "bottom",
        dy: -6,
        fill: FAIL_COLOR,
        fontWeight: "bold",
        textAnchor: rightHalf ? "end" : "start",
        dx: rightHalf ? 4 : -4,
        className: "history-fail-label",
      }),
    );
  }
  const element = Plot.plot({
    marginTop: evidence === undefined ? 20 : 34,
    marginLeft: 44,
    height: Math.max(90, processes.length * ROW_PX + 70),
    ...chart,
    document: plotDocument(),
    x: {
      label: xLabel ?? (axis === "time" ? "time" : "position in history"),
      ...xScale,
    },
    y: { label: yLabel ?? "process", domain: processes, ...yScale },
    color: { domain: fs, range: colors, legend: true },
    marks: [...marks, ...(extra ?? [])],
  });
  return new Figure(element);
}

function barText(pair: PairedOperation): string {
  if (pair.f === "read") {
    return pair.outcome === "ok" ? `r ${formatValue(pair.output ?? null)}` : "r";
  }
  if (pair.f === "write") return `w ${formatValue(pair.value)}`;
  if (pair.f === "cas" && Array.isArray(pair.value) && pair.value.length === 2) {
    return `cas ${formatValue(pair.value[0])}→${formatValue(pair.value[1])}`;
  }
  return `${pair.f} ${formatValue(pair.value)}`;
}

function describeValues(pair: PairedOperation): string {
  if (pair.f === "read") {
    return pair.outcome === "ok" ? `→ ${formatValue(pair.output ?? null)}` : "";
  }
  return formatValue(pair.value);
}
