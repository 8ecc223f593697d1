/**
 * The space-time diagram of a run with its events marked: a dot per event (send,
 * receive, local), its timestamp written beside it, and, around one chosen event, its
 * causal past, its future and the events concurrent with it in three colours. Built on
 * the viz layer's {@link spaceTimeDiagram} with extra marks.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { NodeId } from "../sim/node.ts";
import type { Trace, TraceRecord } from "../sim/trace.ts";
import type { DomElement } from "../viz/dom.ts";
import type { Figure } from "../viz/figure.ts";
import { symbolKey } from "../viz/symbol_key.ts";
import { spaceTimeDiagram, type SpaceTimeOptions, spaceTimeRows } from "../viz/space_time.ts";
import type { CausalEvent, HappenedBefore } from "./happened_before.ts";

/** Options of {@link causalDiagram}: the space-time diagram's, plus what to mark. */
export interface CausalDiagramOptions extends SpaceTimeOptions {
  /** Text written at each event, by event index (a formatted timestamp, say). */
  readonly labels?: readonly string[];
  /**
   * An event (by index) whose causal past, causal future and concurrent events are
   * coloured blue, green and orange; the event itself is black.
   */
  readonly focus?: number;
  /** Events (by index) to ring in red, such as a counterexample's pair. */
  readonly highlight?: readonly number[];
}

/** How an event relates to the focus event, as {@link causalDiagram} colours it. */
export type FocusRelation = "focus" | "past" | "future" | "concurrent";

/** One event as {@link causalDiagram} draws it: a tidy row. */
export interface CausalPointRow {
  /** The event's index in the relation. */
  readonly index: number;
  /** Its node. */
  readonly node: NodeId;
  /** Its lane (0 at the top). */
  readonly lane: number;
  /** Its true time (ms). */
  readonly t: number;
  /**
   * 0, or how many earlier events of the same node share its time: the diagram draws
   * such events side by side rather than on top of each other.
   */
  readonly slot: number;
  /** Send, receive or local. */
  readonly kind: CausalEvent["kind"];
  /** Its label (empty when none). */
  readonly text: string;
  /** How it relates to the focus event, if there is one. */
  readonly relation: FocusRelation | undefined;
  /** What hovering over it says. */
  readonly title: string;
}

const RELATION_COLOURS: Readonly<Record<FocusRelation, string>> = {
  focus: "#111111",
  past: "#4269d0",
  future: "#3ca951",
  concurrent: "#ff8c00",
};
const RELATION_WORDS: Readonly<Record<FocusRelation, string>> = {
  focus: "the chosen event",
  past: "happened before it",
  future: "happened after it",
  concurrent: "concurrent with it",
};
const PLAIN_DOT = "#555555";
/** Horizontal step between events of one node at the same instant, in pixels. */
const SLOT_PX = 11;
/** Vertical step between rows of labels, in pixels. */
const LABEL_PX = 11;
const HIGHLIGHT = "#d62728";

/**
 * The rows {@link causalDiagram} draws: one per event, on the lanes of `nodes`.
 *
 * @example
 * ```ts
 * import { LamportClock } from "./lamport_clock.ts";
 * import { randomCausalScript, runCausalScript } from "./causal_trace.ts";
 *
 * const script = randomCausalScript(7, { nodes: 4, actions: 40 });
 * const run = runCausalScript(script, { lamport: () => new LamportClock() });
 * causalPointRows(run.truth, { nodes: run.nodeIds, focus: 4 })
 *   .filter((row) => row.relation === "concurrent");
 * ```
 */
export function causalPointRows(
  truth: HappenedBefore,
  options: {
    readonly nodes: readonly NodeId[];
    readonly labels?: readonly string[];
    readonly focus?: number;
  },
): CausalPointRow[] {
  const laneOf = new Map(options.nodes.map((id, lane) => [id, lane]));
  if (options.focus !== undefined) checkEvent(truth, options.focus, "focus on");
  const rows: CausalPointRow[] = [];
  const previous = new Map<NodeId, { t: number; slot: number }>();
  for (const event of truth.events) {
    const lane = laneOf.get(event.node);
    if (lane === undefined) continue;
    const before = previous.get(event.node);
    const slot = before !== undefined && before.t === event.t ? before.slot + 1 : 0;
    previous.set(event.node, { t: event.t, slot });
    const relation = options.focus === undefined
      ? undefined
      : focusRelation(truth, options.focus, event);
    const text = options.labels?.[event.index] ?? "";
    const about = relation === undefined ? "" : ` (${RELATION_WORDS[relation]})`;
    rows.push({
      index: event.index,
      node: event.node,
      lane,
      t: event.t,
      slot,
      kind: event.kind,
      text,
      relation,
      title: `event ${event.index}: ${event.label} at ${round(event.t)} ms${
        text === "" ? "" : `, ${text}`
      }${about}`,
    });
  }
  return rows;
}

/**
 * Draws a run's space-time diagram with a dot at every event of `truth`, its label (from
 * `labels`) beside it, sends and local events labelled above the lane and receipts
 * below, moved a row away from the lane where they would overlap; events of one node at
 * the same instant are drawn side by side. With `focus`, the events are coloured by how they relate to that event, and a
 * key says which colour is which; `highlight` rings events in red.
 *
 * @example
 * ```ts
 * import { formatVector, VectorClock } from "./vector_clock.ts";
 * import { randomCausalScript, runCausalScript } from "./causal_trace.ts";
 *
 * const script = randomCausalScript(7, { nodes: 4, actions: 40 });
 * const run = runCausalScript(script, { vector: (ctx) => new VectorClock(ctx.id) });
 * causalDiagram(run.simulation.trace, run.truth, {
 *   labels: run.stamps.vector.map((v) => formatVector(v, run.nodeIds)),
 *   focus: 5,
 *   title: "Vector timestamps",
 * });
 * ```
 */
export function causalDiagram(
  trace: Trace | readonly TraceRecord[],
  truth: HappenedBefore,
  options: CausalDiagramOptions = {},
): Figure {
  const { labels, focus, highlight, marks, ...spaceTime } = options;
  // The window the diagram will show, computed with the diagram's own options.
  const { width: _w, height: _h, title: _t, subtitle: _s, caption: _c, ...rowOptions } = spaceTime;
  const window = spaceTimeRows(trace, rowOptions);
  const nodes = window.lanes.map((lane) => lane.node);
  // Labels go right of their event, except near the right edge, where they would be cut.
  const flipAfterMs = window.fromMs + 0.88 * (window.toMs - window.fromMs);
  for (const index of highlight ?? []) checkEvent(truth, index, "highlight");
  const points = causalPointRows(truth, {
    nodes,
    ...(labels === undefined ? {} : { labels }),
    ...(focus === undefined ? {} : { focus }),
  });
  const ringed = new Set(highlight ?? []);
  const colour = (d: CausalPointRow) =>
    d.relation === undefined ? "currentColor" : RELATION_COLOURS[d.relation];
  const slots = [...new Set(points.map((d) => d.slot))];
  // Events of one node at the same instant sit side by side, one mark per slot, since a
  // Plot offset is one value per mark.
  const dotMarks: Plot.Markish[] = slots.flatMap((slot) => {
    const inSlot = points.filter((d) => d.slot === slot);
    const dx = SLOT_PX * slot;
    return [
      Plot.dot(inSlot.filter((d) => ringed.has(d.index)), {
        x: "t",
        y: "lane",
        dx,
        r: 8,
        stroke: HIGHLIGHT,
        strokeWidth: 2.5,
        fill: "none",
        className: "clocks-highlight",
      }),
      Plot.dot(inSlot, {
        x: "t",
        y: "lane",
        dx,
        r: 4,
        fill: (d: CausalPointRow) =>
          d.relation === undefined ? PLAIN_DOT : RELATION_COLOURS[d.relation],
        stroke: "white",
        strokeWidth: 1,
        title: "title",
        className: "clocks-event",
      }),
    ];
  });
  // Labels: laid out so that none overlaps another on its side of its lane.
  const placed = layoutLabels(points, {
    flipAfterMs,
    ringed,
    pxPerMs: plotWidthPx(spaceTime.width, nodes) / Math.max(window.toMs - window.fromMs, 1e-9),
  });
  const groups = Map.groupBy(placed, (p) => `${p.dx} ${p.dy} ${p.right}`);
  const labelMarks: Plot.Markish[] = [...groups.values()].map((group) => {
    const { dx, dy, right } = group[0]!;
    return Plot.text(group.map((p) => p.point), {
      x: "t",
      y: "lane",
      text: "text",
      dx,
      dy,
      textAnchor: right ? "start" : "end",
      fontSize: 10,
      fill: colour,
      className: "clocks-label",
    });
  });
  const eventMarks = [...dotMarks, ...labelMarks];
  const figure = spaceTimeDiagram(trace, {
    notes: false,
    // Taller lanes than a plain diagram's, to leave room for labels above and below.
    height: 60 + 84 * Math.max(1, nodes.length),
    ...spaceTime,
    nodes,
    marks: [...eventMarks, ...(marks ?? [])],
  });
  if (focus !== undefined) addFocusKey(figure.element);
  return figure;
}

/** A label's place: its event, and its offsets from the event in pixels. */
interface PlacedLabel {
  readonly point: CausalPointRow;
  readonly dx: number;
  readonly dy: number;
  /** Written to the right of the event (start-anchored), or to its left. */
  readonly right: boolean;
}

/** Average width of a character of a 10 px label, in pixels: an estimate that errs wide. */
const CHAR_PX = 6.2;

/**
 * Places every label beside its event: sends and local events above the lane, receipts
 * below; to the right, except near the right edge; clear of a red ring. Where a label
 * would overlap the one before it on the same side of the same lane, it moves one row
 * further from the lane, and so on, so that no two labels overlap.
 */
function layoutLabels(
  points: readonly CausalPointRow[],
  options: {
    readonly flipAfterMs: number;
    readonly ringed: ReadonlySet<number>;
    readonly pxPerMs: number;
  },
): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  // Per lane and side: the right end of the last label in each row, in pixels.
  const rowEnds = new Map<string, number[]>();
  const sorted = points.filter((d) => d.text !== "")
    .map((d) => ({ d, x: d.t * options.pxPerMs + SLOT_PX * d.slot }))
    .sort((a, b) => a.x - b.x);
  for (const { d, x } of sorted) {
    const above = d.kind !== "receive";
    const right = d.t <= options.flipAfterMs;
    const gap = options.ringed.has(d.index) ? 10 : 3;
    const dx = SLOT_PX * d.slot + (right ? gap : -gap);
    const width = CHAR_PX * d.text.length;
    const from = right ? x + gap : x - gap - width;
    const ends = rowEnds.get(`${d.lane} ${above}`) ?? [];
    let row = ends.findIndex((end) => end + 4 <= from);
    if (row === -1) row = ends.length;
    ends[row] = from + width;
    rowEnds.set(`${d.lane} ${above}`, ends);
    placed.push({ point: d, dx, dy: above ? -11 - LABEL_PX * row : 12 + LABEL_PX * row, right });
  }
  return placed;
}

/** The width of the diagram's plotting area, as {@link spaceTimeDiagram} lays it out. */
function plotWidthPx(width: number | undefined, nodes: readonly NodeId[]): number {
  const longestName = nodes.reduce((n, node) => Math.max(n, node.length), 2);
  const marginLeft = Math.max(40, 8 * longestName + 20);
  return (width ?? 900) - marginLeft - 20 - 12;
}

/** How `event` relates to the event `focus`. */
function focusRelation(truth: HappenedBefore, focus: number, event: CausalEvent): FocusRelation {
  const relation = truth.relation(event.index, focus);
  return relation === "equal"
    ? "focus"
    : relation === "before"
    ? "past"
    : relation === "after"
    ? "future"
    : "concurrent";
}

function checkEvent(truth: HappenedBefore, index: number, action: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= truth.events.length) {
    throw new RangeError(
      `Cannot ${action} event ${index}: the run has events 0 to ${truth.events.length - 1}`,
    );
  }
}

/** A row of coloured dots under the title saying what each colour means. */
function addFocusKey(element: DomElement): void {
  const key = symbolKey(
    (["focus", "past", "concurrent", "future"] as const).map((relation) => ({
      shapes: [["circle", { cx: "6", cy: "6", r: "5", fill: RELATION_COLOURS[relation] }]],
      text: RELATION_WORDS[relation],
    })),
    { label: "event key", sizePx: 12 },
  );
  const parent = element as DomElement & {
    insertBefore(node: DomElement, before: DomElement | null): void;
  };
  // The plot itself is the last <svg>: the colour legend and the fault key come before it.
  const plot = [...element.querySelectorAll("svg")].at(-1) ?? null;
  parent.insertBefore(key, plot);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
