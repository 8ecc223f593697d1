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
import { type DomElement, plotDocument } from "../viz/dom.ts";
import type { Figure } from "../viz/figure.ts";
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
const HIGHLIGHT = "#d62728";
const SVG_NAMESPACE = "http://www.w3.org/2000/svg";

/**
 * The rows {@link causalDiagram} draws: one per event, on the lanes of `nodes`.
 *
 * @example
 * ```ts
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
  for (const event of truth.events) {
    const lane = laneOf.get(event.node);
    if (lane === undefined) continue;
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
 * below. With `focus`, the events are coloured by how they relate to that event, and a
 * key says which colour is which; `highlight` rings events in red.
 *
 * @example
 * ```ts
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
  const nodes = spaceTime.nodes ??
    spaceTimeRows(trace, { maxMessages: 1 }).lanes.map((l) => l.node);
  for (const index of highlight ?? []) checkEvent(truth, index, "highlight");
  const points = causalPointRows(truth, {
    nodes,
    ...(labels === undefined ? {} : { labels }),
    ...(focus === undefined ? {} : { focus }),
  });
  const ringed = new Set(highlight ?? []);
  const above = (d: CausalPointRow) => d.kind !== "receive";
  const eventMarks: Plot.Markish[] = [
    Plot.dot(points.filter((d) => ringed.has(d.index)), {
      x: "t",
      y: "lane",
      r: 8,
      stroke: HIGHLIGHT,
      strokeWidth: 2.5,
      fill: "none",
      className: "clocks-highlight",
    }),
    Plot.dot(points, {
      x: "t",
      y: "lane",
      r: 4,
      fill: (d: CausalPointRow) =>
        d.relation === undefined ? PLAIN_DOT : RELATION_COLOURS[d.relation],
      stroke: "white",
      strokeWidth: 1,
      title: "title",
      className: "clocks-event",
    }),
    Plot.text(points.filter((d) => d.text !== "" && above(d)), {
      x: "t",
      y: "lane",
      text: "text",
      dy: -11,
      fontSize: 10,
      fill: (d: CausalPointRow) =>
        d.relation === undefined ? "currentColor" : RELATION_COLOURS[d.relation],
      className: "clocks-label",
    }),
    Plot.text(points.filter((d) => d.text !== "" && !above(d)), {
      x: "t",
      y: "lane",
      text: "text",
      dy: 12,
      fontSize: 10,
      fill: (d: CausalPointRow) =>
        d.relation === undefined ? "currentColor" : RELATION_COLOURS[d.relation],
      className: "clocks-label",
    }),
  ];
  const figure = spaceTimeDiagram(trace, {
    notes: false,
    ...spaceTime,
    nodes,
    marks: [...eventMarks, ...(marks ?? [])],
  });
  if (focus !== undefined) addFocusKey(figure.element);
  return figure;
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
  const document = plotDocument();
  const key = document.createElement("div");
  key.setAttribute(
    "style",
    "display:flex;flex-wrap:wrap;align-items:center;gap:0 1.2em;min-height:22px;" +
      "font-family:system-ui,sans-serif;font-size:11px;margin-bottom:0.5em",
  );
  key.setAttribute("aria-label", "event key");
  for (const relation of ["focus", "past", "concurrent", "future"] as const) {
    const item = document.createElement("span");
    item.setAttribute("style", "display:inline-flex;align-items:center");
    const svg = document.createElementNS(SVG_NAMESPACE, "svg");
    svg.setAttribute("width", "12");
    svg.setAttribute("height", "12");
    svg.setAttribute("style", "margin-right:0.4em");
    const dot = document.createElementNS(SVG_NAMESPACE, "circle");
    for (
      const [name, value] of Object.entries({
        cx: "6",
        cy: "6",
        r: "5",
        fill: RELATION_COLOURS[relation],
      })
    ) {
      dot.setAttribute(name, value);
    }
    svg.append(dot);
    item.append(svg, RELATION_WORDS[relation]);
    key.append(item);
  }
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
