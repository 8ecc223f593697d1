/**
 * The role/term timeline of a Raft run: one lane per server, a bar for each stretch of
 * time it spent as follower, pre-candidate, candidate or leader, labelled with its term,
 * and the stretches it was crashed. It reads the notes servers write to the trace
 * ("became leader" with the term), so it needs a run that recorded its trace.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { NodeId } from "../sim/node.ts";
import type { Trace, TraceRecord } from "../sim/trace.ts";
import { type DomElement, plotDocument } from "../viz/dom.ts";
import { Figure } from "../viz/figure.ts";
import type { RaftRole } from "./raft.ts";

/** One stretch of a server's timeline. */
export interface RoleTimelineRow {
  /** The server. */
  readonly node: NodeId;
  /** What it was: a role, or crashed (its state lost until it restarted). */
  readonly role: RaftRole | "crashed";
  /** Its term during the stretch (null while crashed). */
  readonly term: number | null;
  /** Start of the stretch, in ms. */
  readonly startMs: number;
  /** End of the stretch, in ms (the timeline's end if it lasted that long). */
  readonly endMs: number;
  /** What hovering over it says. */
  readonly label: string;
}

/** Options of {@link roleTimelineRows} and {@link roleTimeline}. */
export interface RoleTimelineRowsOptions {
  /** Servers to show, top to bottom. Default: every node that wrote a role note, in order. */
  readonly nodes?: readonly NodeId[];
  /** Start of the window, in ms. Default 0. */
  readonly fromMs?: number;
  /** End of the window, in ms. Default: the last record's time. */
  readonly toMs?: number;
}

const ROLE_NOTE = /^became (follower|pre-candidate|candidate|leader)$/;

/**
 * The stretches of each server's timeline, from the role notes in `trace` and its crash
 * and restart records, clipped to the window.
 *
 * @example
 * ```ts
 * import { RaftCluster } from "./raft_cluster.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 3 });
 * cluster.runUntilLeader();
 * const rows = roleTimelineRows(cluster.simulation.trace);
 * rows.filter((row) => row.role === "leader").map((row) => `${row.node} t${row.term}`);
 * ```
 */
export function roleTimelineRows(
  trace: Trace | readonly TraceRecord[],
  options: RoleTimelineRowsOptions = {},
): RoleTimelineRow[] {
  const records: readonly TraceRecord[] = Array.isArray(trace) ? trace : (trace as Trace).records;
  const fromMs = options.fromMs ?? 0;
  const toMs = options.toMs ?? records.reduce((max, r) => Math.max(max, r.t), fromMs);
  if (toMs < fromMs) {
    throw new RangeError(
      `Cannot draw a role timeline from ${fromMs} ms to ${toMs} ms: toMs must be at least fromMs`,
    );
  }
  const seen: NodeId[] = [];
  const open = new Map<NodeId, { role: RaftRole | "crashed"; term: number | null; t: number }>();
  const rows: RoleTimelineRow[] = [];
  const close = (node: NodeId, t: number) => {
    const stretch = open.get(node);
    if (stretch === undefined) return;
    open.delete(node);
    const start = Math.max(stretch.t, fromMs), end = Math.min(t, toMs);
    if (end < start || (end === start && t > stretch.t)) return;
    const what = stretch.role === "crashed" ? "crashed" : `${stretch.role} in term ${stretch.term}`;
    rows.push({
      node,
      role: stretch.role,
      term: stretch.term,
      startMs: start,
      endMs: end,
      label: `${node} ${what} from ${ms(stretch.t)} to ${t >= toMs ? "the end" : ms(t)}`,
    });
  };
  for (const record of records) {
    if (record.kind === "note") {
      const match = ROLE_NOTE.exec(record.text);
      if (match === null) continue;
      if (!seen.includes(record.node)) seen.push(record.node);
      const term = typeof record.data?.term === "number" ? record.data.term : null;
      const current = open.get(record.node);
      if (current !== undefined && current.role === match[1] && current.term === term) continue;
      close(record.node, record.t);
      open.set(record.node, { role: match[1] as RaftRole, term, t: record.t });
    } else if (record.kind === "crash") {
      close(record.node, record.t);
      open.set(record.node, { role: "crashed", term: null, t: record.t });
    } else if (record.kind === "restart") {
      close(record.node, record.t);
    }
  }
  for (const node of [...open.keys()]) close(node, toMs);
  const nodes = options.nodes ?? seen;
  const order = new Map(nodes.map((node, i) => [node, i]));
  return rows.filter((row) => order.has(row.node))
    .sort((a, b) => order.get(a.node)! - order.get(b.node)! || a.startMs - b.startMs);
}

/** Options of {@link roleTimeline}. */
export interface RoleTimelineOptions extends RoleTimelineRowsOptions {
  /** Width in pixels. Default 900. */
  readonly width?: number;
  /** Title above the chart. */
  readonly title?: string;
  /** Caption under the chart. */
  readonly caption?: string;
  /** Extra Plot marks on the same scales (x in ms, y the server). */
  readonly marks?: readonly Plot.Markish[];
}

/** The colours of the roles, from calm to busy, and crashed in red. */
export const ROLE_COLORS: Readonly<Record<RaftRole | "crashed", string>> = {
  follower: "#c9d3e0",
  "pre-candidate": "#f6d38b",
  candidate: "#f0a04b",
  leader: "#2f8f5b",
  crashed: "#d94c4c",
};

/**
 * The role/term timeline as a figure: a lane per server, a bar per stretch coloured by
 * role, its term written on it when it fits. Hover a bar for its details.
 *
 * @example
 * ```ts
 * import { RaftCluster } from "./raft_cluster.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 3 });
 * cluster.runUntilLeader();
 * roleTimeline(cluster.simulation.trace, { title: "The first election" });
 * ```
 */
export function roleTimeline(
  trace: Trace | readonly TraceRecord[],
  options: RoleTimelineOptions = {},
): Figure {
  const rows = roleTimelineRows(trace, options);
  const nodes = options.nodes ?? [...new Set(rows.map((row) => row.node))];
  const width = options.width ?? 900;
  const from = options.fromMs ?? 0;
  const to = Math.max(
    options.toMs ?? rows.reduce((max, row) => Math.max(max, row.endMs), 0),
    from + 1,
  );
  const pxPerMs = (width - 80) / (to - from);
  const roles = Object.keys(ROLE_COLORS) as (keyof typeof ROLE_COLORS)[];
  const element = Plot.plot({
    document: plotDocument(),
    width,
    height: 40 + 30 * Math.max(1, nodes.length),
    marginLeft: 50,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: { domain: [from, to], label: "time (ms)", grid: true },
    y: { domain: nodes, label: null },
    color: {
      domain: roles,
      range: roles.map((role) => ROLE_COLORS[role]),
      legend: true,
    },
    marks: [
      Plot.barX(rows, {
        x1: "startMs",
        x2: "endMs",
        y: "node",
        fill: "role",
        title: "label",
        inset: 0.5,
      }),
      Plot.text(
        rows.filter((row) => row.term !== null && (row.endMs - row.startMs) * pxPerMs >= 18),
        {
          x: (row: RoleTimelineRow) => (row.startMs + row.endMs) / 2,
          y: "node",
          text: (row: RoleTimelineRow) => `t${row.term}`,
          fill: (row: RoleTimelineRow) => row.role === "leader" ? "white" : "black",
          fontSize: 10,
        },
      ),
      ...(options.marks ?? []),
    ],
  }) as DomElement;
  return new Figure(element);
}

function ms(value: number): string {
  return `${Number(value.toFixed(1))} ms`;
}
