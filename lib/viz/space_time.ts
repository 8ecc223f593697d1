/**
 * The space-time (Lamport) diagram of a trace: one horizontal lane per node, time to the
 * right, an arrow for every delivered message, dashed lines cut short by an ✕ for dropped
 * ones, crashes and pauses shaded on their lane, partitions shaded across every lane,
 * notes as small marks. Every element carries a `<title>`, so hovering over it in the
 * notebook or the exported page says what it is.
 *
 * The diagram is drawn from tidy rows ({@link spaceTimeRows}) with ordinary Plot marks
 * ({@link spaceTimeMarks}), so a reader can add marks of their own on the same scales.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { z } from "zod";
import { integerAtLeast, nodeIdField, nonNegativeMs, parseConfig } from "../config/mod.ts";
import type { NodeId } from "../sim/node.ts";
import {
  describeMessage,
  type DropReason,
  type MessageRow,
  type Trace,
  type TraceRecord,
} from "../sim/trace.ts";
import { type DomElement, plotDocument } from "./dom.ts";
import { Figure } from "./figure.ts";
import { type KeyShape, symbolKey } from "./symbol_key.ts";

/** Zod schema of the options of {@link spaceTimeRows}. */
export const SpaceTimeRowsOptionsSchema = z.strictObject({
  /** Start of the time window (ms). Default: the first record's time (or 0). */
  fromMs: nonNegativeMs().optional(),
  /** End of the time window (ms). Default: the last record's time. */
  toMs: nonNegativeMs().optional(),
  /** Which nodes get a lane, top to bottom. Default: every node, in the order they started. */
  nodes: z.array(nodeIdField()).min(1, { error: "must name at least one node" }).optional(),
  /** Only messages of these types. Default: every type. */
  types: z.array(z.string()).optional(),
  /**
   * Most messages to draw (delivered and dropped). When the window holds more, it is cut
   * short before the first message over the limit, and the caption says so. Default 2000.
   */
  maxMessages: integerAtLeast(1).default(2000),
  /** Draw notes (`ctx.log`) as marks on their lane. Default true. */
  notes: z.boolean().default(true),
});

/** What a user may write for {@link spaceTimeRows}' options. */
export type SpaceTimeRowsOptions = z.input<typeof SpaceTimeRowsOptionsSchema>;

/** Options of {@link spaceTimeDiagram}: the rows' options plus the figure's. */
export interface SpaceTimeOptions extends SpaceTimeRowsOptions {
  /** Width in pixels. Default 900. */
  readonly width?: number;
  /** Height in pixels. Default: 56 per lane plus margins. */
  readonly height?: number;
  /** Title above the diagram. */
  readonly title?: string;
  /** Subtitle under the title. */
  readonly subtitle?: string;
  /** Caption under the diagram (a truncation notice is appended to it). */
  readonly caption?: string;
  /** Extra Plot marks, drawn on top (x in ms, y in lane numbers: 0 is the top lane). */
  readonly marks?: readonly Plot.Markish[];
  /**
   * A colour per message type, so that several diagrams of one protocol colour each type
   * alike whichever types each one shows. Types not listed take the default palette.
   */
  readonly colors?: Readonly<Record<string, string>>;
}

/** The default palette of message types (Observable Plot's categorical scheme). */
const TYPE_PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/** Options of {@link spaceTimeMarks}. */
export interface SpaceTimeMarksOptions {
  /** Width of the plot's frame in pixels, to fit partition labels in their band. Default 800. */
  readonly frameWidthPx?: number;
}

/** A lane of the diagram: a node and its position (0 at the top). */
export interface LaneRow {
  /** The node drawn on this lane. */
  readonly node: NodeId;
  /** Its position, 0 for the top lane (the y value of marks on it). */
  readonly lane: number;
  /** When the node first started (ms), or undefined if it never did. */
  readonly startMs: number | undefined;
}

/**
 * A message copy as drawn: a delivered arrow or a dropped, cut-short line. Its trace
 * fields are the trace's own message row (see `Trace.messages`), less the latency.
 */
export interface SpaceTimeMessageRow extends Omit<MessageRow, "latencyMs"> {
  /** Lane of the sender. */
  readonly fromLane: number;
  /** Lane of the receiver. */
  readonly toLane: number;
  /** Where the drawn line starts: the send time (ms)... */
  readonly x1: number;
  /** ... on the sender's lane. */
  readonly y1: number;
  /** Where it ends: the delivery time (ms), or partway for a drop... */
  readonly x2: number;
  /** ... on the receiver's lane, or partway to it for a drop. */
  readonly y2: number;
  /** What hovering over it says. */
  readonly label: string;
}

/** A stretch of time a node was crashed or paused. */
export interface NodeIntervalRow {
  /** The node that was down. */
  readonly node: NodeId;
  /** Its lane. */
  readonly lane: number;
  /** Crashed (state lost) or paused (frozen). */
  readonly kind: "crashed" | "paused";
  /** When it went down (ms), or the window's start if earlier. */
  readonly startMs: number;
  /** When it restarted or resumed, or the window's end if it had not. */
  readonly endMs: number;
  /** False when the trace ends (or the window closes) before the node came back. */
  readonly ended: boolean;
  /** What hovering over it says. */
  readonly label: string;
}

/** A stretch of time some links were cut. */
export interface PartitionRow {
  /** The partition as the trace describes it ("partition {n1 n2} | {n3}"). */
  readonly description: string;
  /** When the links were cut (ms), or the window's start if earlier. */
  readonly startMs: number;
  /** When the network healed, or the window's end if it had not. */
  readonly endMs: number;
  /** False when the trace ends (or the window closes) before the heal. */
  readonly ended: boolean;
  /** Each cut direction between drawn lanes, as [from, to]. */
  readonly links: readonly (readonly [NodeId, NodeId])[];
  /** What hovering over it says. */
  readonly label: string;
}

/** A note a node wrote to the trace. */
export interface NoteRow {
  /** When it was written (ms). */
  readonly t: number;
  /** Who wrote it. */
  readonly node: NodeId;
  /** Their lane. */
  readonly lane: number;
  /** The note. */
  readonly text: string;
  /** What hovering over it says: the note and its data. */
  readonly label: string;
}

/** Everything a space-time diagram draws, as tidy rows. */
export interface SpaceTimeRows {
  /** Start of the time window drawn (ms). */
  readonly fromMs: number;
  /** End of the time window drawn (ms), after any cut by `maxMessages`. */
  readonly toMs: number;
  /** One row per lane, top to bottom. */
  readonly lanes: readonly LaneRow[];
  /**
   * The colour domain: every message type in the trace, sorted (or `types` as given), so
   * a type keeps its colour whatever the window, and matches Plot's order in other charts.
   */
  readonly types: readonly string[];
  /** Delivered message copies. */
  readonly messages: readonly SpaceTimeMessageRow[];
  /** Dropped message copies. */
  readonly drops: readonly SpaceTimeMessageRow[];
  /** Crashes and pauses in the window. */
  readonly intervals: readonly NodeIntervalRow[];
  /** Partitions in the window. */
  readonly partitions: readonly PartitionRow[];
  /** Notes in the window (none when `notes` is false). */
  readonly notes: readonly NoteRow[];
  /** Messages in the requested window (before `maxMessages`). */
  readonly totalMessages: number;
  /** True when `maxMessages` cut the window short. */
  readonly truncated: boolean;
  /** A sentence saying what was left out, when truncated. */
  readonly notice: string | undefined;
}

/** How far along its way a lost or partitioned message is drawn before its ✕. */
const DROP_FRACTION = 0.5;
const LANE_HALF_HEIGHT = 0.2;
const CRASH_FILL = "#d94c4c";
const PAUSE_FILL = "#e8a33d";
const PARTITION_FILL = "#6b7fd7";
const PARTITION_TEXT = "#3f51a8";
const NOTE_FILL = "#555555";
const INTERVAL_OPACITY = 0.35;
const PARTITION_OPACITY = 0.13;

/**
 * The tidy rows a space-time diagram draws: lanes, delivered and dropped messages with
 * the coordinates of their lines, crash and pause intervals, partitions, notes.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1, network: { lossProbability: 0.2 } });
 * sim.addNode("a", (ctx) => ({
 *   start: () => Array.from({ length: 20 }, () => ctx.send("b", { type: "ping" })),
 *   onMessage: () => {},
 * }));
 * sim.addNode("b", () => ({ onMessage: () => {} }));
 * sim.runUntil(500);
 * const rows = spaceTimeRows(sim.trace, { fromMs: 0, toMs: 500 });
 * rows.drops.filter((d) => d.reason === "loss").length; // the pings the network lost
 * ```
 */
export function spaceTimeRows(
  trace: Trace | readonly TraceRecord[],
  options: SpaceTimeRowsOptions = {},
): SpaceTimeRows {
  const config = parseConfig(SpaceTimeRowsOptionsSchema, options, "spaceTimeRows");
  const list: unknown = Array.isArray(trace)
    ? trace
    : (trace as { records?: unknown } | null | undefined)?.records;
  if (!Array.isArray(list)) {
    throw new TypeError(
      "Cannot draw a space-time diagram: expected a Trace or an array of records",
    );
  }
  const records = list as readonly TraceRecord[];

  const lanes = laneRows(records, config.nodes);
  const laneOf = new Map(lanes.map((row) => [row.node, row.lane]));
  const lastT = records.reduce((max, r) => Math.max(max, r.t), 0);
  const fromMs = config.fromMs ?? (records.length > 0 ? (records[0] as TraceRecord).t : 0);
  let toMs = config.toMs ?? Math.max(lastT, fromMs);
  if (toMs < fromMs) {
    throw new RangeError(
      `Cannot draw a space-time diagram from ${fromMs} ms to ${toMs} ms: toMs must be at least fromMs`,
    );
  }

  const typeFilter = config.types === undefined ? undefined : new Set(config.types);
  const nominalLatencyMs = typicalLatency(records) ?? Math.max((toMs - fromMs) / 50, 1e-3);
  type Candidate = Extract<TraceRecord, { kind: "deliver" | "drop" }>;
  // Rows (with their labels) are built only for the messages kept: a long trace may hold
  // far more than maxMessages.
  let candidates: Candidate[] = [];
  for (const record of records) {
    if (record.kind !== "deliver" && record.kind !== "drop") continue;
    if (record.sentAt > toMs || record.t < fromMs) continue;
    if (!laneOf.has(record.from) || !laneOf.has(record.to)) continue;
    if (typeFilter !== undefined && !typeFilter.has(record.type)) continue;
    candidates.push(record);
  }
  candidates.sort((a, b) => a.sentAt - b.sentAt || a.msgId - b.msgId || a.copy - b.copy);

  const totalMessages = candidates.length;
  let notice: string | undefined;
  if (totalMessages > config.maxMessages) {
    const firstLeftOut = candidates[config.maxMessages] as Candidate;
    const requestedTo = toMs;
    if (firstLeftOut.sentAt > fromMs) {
      toMs = firstLeftOut.sentAt;
      candidates = candidates.filter((record) => record.sentAt < toMs);
    } else {
      candidates = candidates.slice(0, config.maxMessages);
    }
    notice = `Showing ${candidates.length} of the ${totalMessages} messages between ` +
      `${ms(fromMs)} and ${ms(requestedTo)} ms (maxMessages is ${config.maxMessages})` +
      (toMs < requestedTo ? `, so the diagram stops at ${ms(toMs)} ms` : "") +
      ": set fromMs and toMs to look at another stretch, or raise maxMessages.";
  }
  const shown = candidates.map((record) =>
    messageRow(
      record,
      laneOf.get(record.from) as number,
      laneOf.get(record.to) as number,
      nominalLatencyMs,
    )
  );

  const types = config.types !== undefined ? [...config.types] : messageTypes(records);
  const intervals = nodeIntervals(records, laneOf, fromMs, toMs);
  const partitions = partitionRows(records, laneOf, fromMs, toMs);
  const notes: NoteRow[] = [];
  if (config.notes) {
    for (const record of records) {
      if (record.kind !== "note" || record.t < fromMs || record.t > toMs) continue;
      const lane = laneOf.get(record.node);
      if (lane === undefined) continue;
      const data = record.data === undefined ? "" : ` ${JSON.stringify(record.data)}`;
      notes.push({
        t: record.t,
        node: record.node,
        lane,
        text: record.text,
        label: `${record.node} at ${ms(record.t)} ms: ${record.text}${data}`,
      });
    }
  }

  return {
    fromMs,
    toMs,
    lanes,
    types,
    messages: shown.filter((row) => row.delivered),
    drops: shown.filter((row) => !row.delivered),
    intervals,
    partitions,
    notes,
    totalMessages,
    truncated: notice !== undefined,
    notice,
  };
}

/**
 * The Plot marks of a space-time diagram, for readers composing their own figure: x is
 * time in ms, y is the lane number (0 at the top; use `y: { reverse: true }` or the
 * domain of {@link spaceTimeDiagram}).
 */
export function spaceTimeMarks(
  rows: SpaceTimeRows,
  options: SpaceTimeMarksOptions = {},
): Plot.Markish[] {
  const laneCount = rows.lanes.length;
  const clip = true;
  const pxPerMs = (options.frameWidthPx ?? 800) / Math.max(rows.toMs - rows.fromMs, 1e-9);
  // A partition's label must fit inside its band (under 5 px per character at 9 px).
  const partitionLabel = (d: PartitionRow) => {
    const room = Math.floor(((d.endMs - d.startMs) * pxPerMs - 6) / 4.8);
    if (room < 4) return "";
    return d.description.length <= room ? d.description : `${d.description.slice(0, room - 1)}…`;
  };
  return [
    Plot.rect(rows.partitions, {
      x1: "startMs",
      x2: "endMs",
      y1: laneCount - 0.5,
      y2: -0.5,
      fill: PARTITION_FILL,
      fillOpacity: PARTITION_OPACITY,
      title: "label",
      clip,
      className: "viz-partition",
    }),
    Plot.text(rows.partitions, {
      x: "startMs",
      y: -0.5,
      text: partitionLabel,
      textAnchor: "start",
      lineAnchor: "top",
      dx: 3,
      dy: 3,
      fontSize: 9,
      fill: PARTITION_TEXT,
      clip,
      className: "viz-partition-label",
    }),
    Plot.ruleY(rows.lanes, {
      y: "lane",
      x1: (d: LaneRow) => Math.max(d.startMs ?? rows.fromMs, rows.fromMs),
      x2: rows.toMs,
      stroke: "currentColor",
      strokeOpacity: 0.35,
      className: "viz-lane",
    }),
    Plot.text(rows.lanes, {
      y: "lane",
      text: "node",
      frameAnchor: "left",
      textAnchor: "end",
      dx: -10,
      fontSize: 12,
      fontWeight: "bold",
      className: "viz-lane-label",
    }),
    ...(["crashed", "paused"] as const).map((kind) =>
      Plot.rect(rows.intervals.filter((d) => d.kind === kind), {
        x1: "startMs",
        x2: "endMs",
        y1: (d: NodeIntervalRow) => d.lane - LANE_HALF_HEIGHT,
        y2: (d: NodeIntervalRow) => d.lane + LANE_HALF_HEIGHT,
        fill: kind === "crashed" ? CRASH_FILL : PAUSE_FILL,
        fillOpacity: INTERVAL_OPACITY,
        title: "label",
        clip,
        className: `viz-${kind}`,
      })
    ),
    Plot.link(rows.drops, {
      x1: "x1",
      y1: "y1",
      x2: "x2",
      y2: "y2",
      stroke: "type",
      strokeWidth: 1.3,
      strokeDasharray: "4,3",
      title: "label",
      clip,
      className: "viz-drop",
    }),
    Plot.dot(rows.drops, {
      x: "x2",
      y: "y2",
      symbol: "times",
      r: 4,
      stroke: "type",
      strokeWidth: 2,
      title: "label",
      clip,
      className: "viz-drop-mark",
    }),
    Plot.arrow(rows.messages, {
      x1: "x1",
      y1: "y1",
      x2: "x2",
      y2: "y2",
      stroke: "type",
      strokeWidth: 1.3,
      headLength: 7,
      title: "label",
      clip,
      className: "viz-message",
    }),
    Plot.dot(rows.notes, {
      x: "t",
      y: "lane",
      symbol: "diamond2",
      r: 3.5,
      fill: NOTE_FILL,
      stroke: "white",
      strokeWidth: 0.8,
      title: "label",
      clip,
      className: "viz-note",
    }),
  ];
}

/**
 * Draws the space-time (Lamport) diagram of a trace: lanes top to bottom in the order the
 * nodes started (or as `nodes` lists them), time in ms to the right, an arrow per
 * delivered message coloured by type, dropped messages dashed and cut short by an ✕,
 * crashes (red) and pauses (amber) shaded on their lane, partitions (blue) shaded across
 * every lane, notes as grey diamonds. Hover over anything for its details.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1, faults: [{ atMs: 20, kind: "crash", node: "n2" }] });
 * sim.addNode("n1", (ctx) => ({
 *   start: () => ctx.setTimer(10, "beat"),
 *   onMessage: () => {},
 *   onTimer: () => {
 *     ctx.send("n2", { type: "heartbeat" });
 *     ctx.setTimer(10, "beat");
 *   },
 * }));
 * sim.addNode("n2", () => ({ onMessage: () => {} }));
 * sim.runUntil(100);
 * spaceTimeDiagram(sim.trace, { toMs: 100, title: "Heartbeats" });
 * ```
 */
export function spaceTimeDiagram(
  trace: Trace | readonly TraceRecord[],
  options: SpaceTimeOptions = {},
): Figure {
  const { width, height, title, subtitle, caption, marks, colors, ...rowOptions } = options;
  const figureOptions = parseConfig(
    FigureOptionsSchema,
    { width, height, title, subtitle, caption },
    "spaceTimeDiagram",
  );
  const rows = spaceTimeRows(trace, rowOptions);
  const laneCount = Math.max(1, rows.lanes.length);
  const longestName = rows.lanes.reduce((n, lane) => Math.max(n, lane.node.length), 2);
  const captionText = [figureOptions.caption, rows.notice].filter((t) => t !== undefined)
    .join(" ");
  const span = rows.toMs > rows.fromMs ? rows.toMs : rows.fromMs + 1;
  const widthPx = figureOptions.width ?? 900;
  const marginLeft = Math.max(40, 8 * longestName + 20), marginRight = 20;
  const element = Plot.plot({
    document: plotDocument(),
    figure: true,
    width: widthPx,
    height: figureOptions.height ?? 50 + 56 * laneCount,
    marginLeft,
    marginRight,
    marginTop: 12,
    marginBottom: 38,
    ...(figureOptions.title === undefined ? {} : { title: figureOptions.title }),
    ...(figureOptions.subtitle === undefined ? {} : { subtitle: figureOptions.subtitle }),
    ...(captionText === "" ? {} : { caption: captionText }),
    // The inset keeps marks at the window's edges (a note at 0 ms) from being clipped.
    x: { domain: [rows.fromMs, span], label: "time (ms)", grid: true, inset: 6 },
    y: { domain: [laneCount - 0.5, -0.5], axis: null },
    color: {
      type: "categorical",
      domain: rows.types.length > 0 ? [...rows.types] : ["(none)"],
      ...(colors === undefined ? {} : {
        range: (rows.types.length > 0 ? [...rows.types] : ["(none)"]).map((type, i) =>
          colors[type] ?? TYPE_PALETTE[i % TYPE_PALETTE.length]!
        ),
      }),
      legend: rows.types.length > 0,
      label: "message type",
    },
    marks: [
      ...spaceTimeMarks(rows, { frameWidthPx: widthPx - marginLeft - marginRight }),
      ...(marks ?? []),
    ],
  }) as DomElement & { insertBefore(node: DomElement, before: DomElement | null): void };
  const key = faultKey(rows);
  if (key !== undefined) {
    const svg = [...element.querySelectorAll("svg")].at(-1) ?? null;
    element.insertBefore(key, svg);
  }
  return new Figure(element);
}

const FigureOptionsSchema = z.strictObject({
  width: integerAtLeast(1).optional(),
  height: integerAtLeast(1).optional(),
  title: z.string().optional(),
  subtitle: z.string().optional(),
  caption: z.string().optional(),
});

function messageTypes(records: readonly TraceRecord[]): string[] {
  const types = new Set<string>();
  for (const record of records) {
    if (record.kind === "deliver" || record.kind === "drop") types.add(record.type);
  }
  return [...types].sort();
}

function laneRows(
  records: readonly TraceRecord[],
  nodes: readonly NodeId[] | undefined,
): LaneRow[] {
  const started = new Map<NodeId, number>();
  const seen: NodeId[] = [];
  const note = (id: NodeId) => {
    if (!seen.includes(id)) seen.push(id);
  };
  for (const record of records) {
    if (record.kind === "start" && !started.has(record.node)) {
      started.set(record.node, record.t);
      note(record.node);
    }
  }
  // Nodes that only appear in other records (a trace excerpt) still get a lane.
  for (const record of records) {
    if ("node" in record) note(record.node);
    else if ("from" in record) {
      note(record.from);
      note(record.to);
    }
  }
  if (nodes !== undefined) {
    const unknown = nodes.filter((id) => !seen.includes(id));
    if (unknown.length > 0) {
      throw new RangeError(
        `Cannot draw lanes for ${unknown.map((id) => JSON.stringify(id)).join(", ")}: ` +
          `not in the trace (nodes: ${seen.join(", ")})`,
      );
    }
    const duplicate = nodes.find((id, i) => nodes.indexOf(id) !== i);
    if (duplicate !== undefined) {
      throw new RangeError(`Cannot draw lanes: node ${JSON.stringify(duplicate)} is listed twice`);
    }
  }
  return (nodes ?? seen).map((node, lane) => ({ node, lane, startMs: started.get(node) }));
}

/** The median delivery latency, used as the length of drops that never left the sender. */
function typicalLatency(records: readonly TraceRecord[]): number | undefined {
  const latencies: number[] = [];
  for (const record of records) {
    if (record.kind === "deliver" && record.t > record.sentAt) {
      latencies.push(record.t - record.sentAt);
    }
  }
  if (latencies.length === 0) return undefined;
  latencies.sort((a, b) => a - b);
  return latencies[Math.floor((latencies.length - 1) / 2)];
}

function messageRow(
  record: Extract<TraceRecord, { kind: "deliver" | "drop" }>,
  fromLane: number,
  toLane: number,
  nominalLatencyMs: number,
): SpaceTimeMessageRow {
  const route = `${record.from} → ${record.to}`;
  const what = describeMessage(record.message, 120);
  const base = {
    msgId: record.msgId,
    copy: record.copy,
    from: record.from,
    to: record.to,
    type: record.type,
    sentAt: record.sentAt,
    endAt: record.t,
    fromLane,
    toLane,
    x1: record.sentAt,
    y1: fromLane,
  };
  const duplicate = record.copy > 0 ? " (network duplicate)" : "";
  if (record.kind === "deliver") {
    return {
      ...base,
      delivered: true,
      x2: record.t,
      y2: toLane,
      label: `${what}\n${route}${duplicate}: sent ${ms(record.sentAt)} ms, delivered ` +
        `${ms(record.t)} ms (${ms(record.t - record.sentAt)} ms)`,
    };
  }
  // A message dropped at the destination (crashed) is drawn all the way there; one lost
  // or cut on the way stops partway. Drops decided at send time have no duration of
  // their own, so they are drawn as long as a typical delivery.
  const fraction = record.reason === "crashed" ? 1 : DROP_FRACTION;
  const endAt = record.t > record.sentAt ? record.t : record.sentAt + nominalLatencyMs;
  return {
    ...base,
    delivered: false,
    reason: record.reason,
    x2: record.sentAt + (endAt - record.sentAt) * fraction,
    y2: fromLane + (toLane - fromLane) * fraction,
    label: `${what}\n${route}${duplicate}: sent ${ms(record.sentAt)} ms, dropped at ` +
      `${ms(record.t)} ms: ${DROP_WORDS[record.reason]}`,
  };
}

const DROP_WORDS: Record<DropReason, string> = {
  loss: "lost by the network",
  partition: "link cut by a partition",
  crashed: "the destination was crashed",
};

function nodeIntervals(
  records: readonly TraceRecord[],
  laneOf: ReadonlyMap<NodeId, number>,
  fromMs: number,
  toMs: number,
): NodeIntervalRow[] {
  const rows: NodeIntervalRow[] = [];
  const open = new Map<NodeId, { kind: "crashed" | "paused"; startMs: number }>();
  const close = (node: NodeId, endMs: number, ended: boolean) => {
    const interval = open.get(node);
    if (interval === undefined) return;
    open.delete(node);
    const lane = laneOf.get(node);
    if (lane === undefined || endMs < fromMs || interval.startMs > toMs) return;
    const until = ended
      ? `${interval.kind === "crashed" ? "restarted" : "resumed"} at ${ms(endMs)} ms`
      : "still down when the trace ends";
    rows.push({
      node,
      lane,
      kind: interval.kind,
      startMs: Math.max(interval.startMs, fromMs),
      endMs: Math.min(endMs, toMs),
      ended: ended && endMs <= toMs,
      label: `${node} ${interval.kind} at ${ms(interval.startMs)} ms, ${until}`,
    });
  };
  for (const record of records) {
    switch (record.kind) {
      case "crash":
        // A paused node may crash: the pause ends there and the crash begins.
        close(record.node, record.t, true);
        open.set(record.node, { kind: "crashed", startMs: record.t });
        break;
      case "pause":
        open.set(record.node, { kind: "paused", startMs: record.t });
        break;
      case "restart":
      case "resume":
        close(record.node, record.t, true);
        break;
    }
  }
  for (const node of [...open.keys()]) close(node, toMs, false);
  return rows.sort((a, b) => a.startMs - b.startMs || a.lane - b.lane);
}

function partitionRows(
  records: readonly TraceRecord[],
  laneOf: ReadonlyMap<NodeId, number>,
  fromMs: number,
  toMs: number,
): PartitionRow[] {
  const rows: PartitionRow[] = [];
  let open: Extract<TraceRecord, { kind: "partition" }>[] = [];
  const close = (endMs: number, ended: boolean) => {
    for (const record of open) {
      if (endMs < fromMs || record.t > toMs) continue;
      // Only links between drawn lanes matter to this diagram.
      const links = record.links.filter(([a, b]) => laneOf.has(a) && laneOf.has(b));
      if (links.length === 0) continue;
      const until = ended ? `healed at ${ms(endMs)} ms` : "not healed when the trace ends";
      rows.push({
        description: record.description,
        startMs: Math.max(record.t, fromMs),
        endMs: Math.min(endMs, toMs),
        ended: ended && endMs <= toMs,
        links,
        label: `${record.description} at ${ms(record.t)} ms, ${until}\ncut: ${
          describeLinks(links)
        }`,
      });
    }
    open = [];
  };
  for (const record of records) {
    if (record.kind === "partition") open.push(record);
    else if (record.kind === "heal") close(record.t, true);
  }
  close(toMs, false);
  return rows;
}

/** Lists cut links, folding the two directions of a symmetric cut into one "a ↔ b". */
function describeLinks(links: readonly (readonly [NodeId, NodeId])[]): string {
  const keys = new Set(links.map(([a, b]) => `${a}\u0000${b}`));
  const parts: string[] = [];
  for (const [a, b] of links) {
    if (keys.has(`${b}\u0000${a}`)) {
      if (a < b) parts.push(`${a} ↔ ${b}`);
    } else parts.push(`${a} → ${b}`);
  }
  return parts.join(", ");
}

type Shape = KeyShape;

/** A key for what the colour legend does not explain: shading, drops and notes. */
function faultKey(rows: SpaceTimeRows): DomElement | undefined {
  const items: [readonly Shape[], string][] = [];
  const square = (fill: string, opacity: number): Shape[] => [
    ["rect", { width: "15", height: "15", fill, "fill-opacity": String(opacity) }],
  ];
  if (rows.intervals.some((r) => r.kind === "crashed")) {
    items.push([square(CRASH_FILL, INTERVAL_OPACITY), "crashed"]);
  }
  if (rows.intervals.some((r) => r.kind === "paused")) {
    items.push([square(PAUSE_FILL, INTERVAL_OPACITY), "paused"]);
  }
  if (rows.partitions.length > 0) {
    items.push([square(PARTITION_FILL, PARTITION_OPACITY * 1.5), "partitioned"]);
  }
  if (rows.drops.length > 0) {
    const stroke = { stroke: "currentColor", fill: "none" };
    items.push([[
      ["path", { d: "M0,7.5H8", "stroke-dasharray": "3,2", ...stroke }],
      ["path", { d: "M8.5,4.5L14.5,10.5M14.5,4.5L8.5,10.5", "stroke-width": "2", ...stroke }],
    ], "dropped"]);
  }
  if (rows.notes.length > 0) {
    items.push([[["path", { d: "M7.5,2L13,7.5L7.5,13L2,7.5Z", fill: NOTE_FILL }]], "note"]);
  }
  if (items.length === 0) return undefined;
  return symbolKey(items.map(([shapes, text]) => ({ shapes, text })), { label: "fault key" });
}

/** A time in ms for labels: at most three decimals, no trailing zeros. */
function ms(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
