/**
 * Raft logs drawn as the paper draws them (Figures 6, 7 and 8): one row per server, one
 * box per entry, the box's colour and number its term, committed entries outlined.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { NodeId } from "../sim/node.ts";
import { type DomElement, plotDocument } from "../viz/dom.ts";
import { Figure } from "../viz/figure.ts";
import { describeEntry } from "./invariants.ts";
import { type RaftNode, readRaftState } from "./raft.ts";
import type { RaftCluster } from "./raft_cluster.ts";

/** One entry of one server's log, as a tidy row. */
export interface RaftLogRow {
  /** The server. */
  readonly node: NodeId;
  /** The entry's index. */
  readonly index: number;
  /** Its term. */
  readonly term: number;
  /** Its command in words ("write x=2", "no-op"). */
  readonly command: string;
  /** Whether the server counts it committed. */
  readonly committed: boolean;
  /** Whether the server has applied it. */
  readonly applied: boolean;
  /** False when the server is crashed: the row comes from its durable storage. */
  readonly up: boolean;
}

/**
 * The entries of each server's log, as rows (servers in the order given, entries by
 * index). A crashed server has no object to read: pass the live ones, or use
 * {@link RaftCluster.liveServers}.
 *
 * @example
 * ```ts
 * import { RaftCluster } from "./raft_cluster.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 3, clients: 1 });
 * cluster.runUntilLeader();
 * cluster.submit("c1", { f: "write", key: "x", value: 1 });
 * logRows(cluster.liveServers()).filter((row) => !row.committed); // the new leader's no-op: the write is still in flight
 * ```
 */
export function logRows(servers: readonly RaftNode[]): RaftLogRow[] {
  const rows: RaftLogRow[] = [];
  for (const server of servers) {
    for (let index = 1; index <= server.lastLogIndex; index++) {
      const entry = server.entry(index)!;
      rows.push({
        node: server.id,
        index,
        term: entry.term,
        command: describeEntry(entry).replace(/^t\d+ /, ""),
        committed: index <= server.commitIndex,
        applied: index <= server.lastApplied,
        up: true,
      });
    }
  }
  return rows;
}

/**
 * The log of every server of `cluster`, crashed ones included: a crashed server's log is
 * read from its durable storage (what it will recover), with nothing counted committed.
 *
 * @example
 * ```ts
 * import { RaftCluster } from "./raft_cluster.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 3, clients: 1 });
 * cluster.runUntilLeader();
 * cluster.submit("c1", { f: "write", key: "x", value: 1 });
 * cluster.runUntilCompleted("c1");
 * logGrid(clusterLogRows(cluster), { nodes: cluster.servers });
 * ```
 */
export function clusterLogRows(cluster: RaftCluster): RaftLogRow[] {
  const rows: RaftLogRow[] = [];
  for (const id of cluster.servers) {
    const node = cluster.server(id);
    if (node !== undefined) {
      rows.push(...logRows([node]));
      continue;
    }
    readRaftState(cluster.simulation.storage(id)).log.forEach((entry, i) => {
      rows.push({
        node: id,
        index: i + 1,
        term: entry.term,
        command: describeEntry(entry).replace(/^t\d+ /, ""),
        committed: false,
        applied: false,
        up: false,
      });
    });
  }
  return rows;
}

/** Options of {@link logGrid}. */
export interface LogGridOptions {
  /** Servers top to bottom (include crashed ones to keep their row). Default: as in the rows. */
  readonly nodes?: readonly NodeId[];
  /** Title above the grid. */
  readonly title?: string;
  /** Caption under the grid. */
  readonly caption?: string;
  /** Width in pixels. Default: 60 per entry, at least 300. */
  readonly width?: number;
}

/**
 * The logs as a grid: a row per server, a box per entry at its index, coloured by term
 * with the term written in it; committed entries have a dark outline, uncommitted ones a
 * dashed grey one. Hover a box for its command.
 *
 * @example
 * ```ts
 * import { RaftCluster } from "./raft_cluster.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 3, clients: 1 });
 * cluster.runUntilLeader();
 * cluster.submit("c1", { f: "write", key: "x", value: 1 });
 * cluster.runUntilCompleted("c1");
 * logGrid(logRows(cluster.liveServers()), { title: "After the write commits" });
 * ```
 */
export function logGrid(rows: readonly RaftLogRow[], options: LogGridOptions = {}): Figure {
  const nodes = options.nodes ?? [...new Set(rows.map((row) => row.node))];
  const last = rows.reduce((max, row) => Math.max(max, row.index), 1);
  const terms = [...new Set(rows.map((row) => row.term))].sort((a, b) => a - b);
  const indices = Array.from({ length: last }, (_, i) => i + 1);
  const element = Plot.plot({
    document: plotDocument(),
    width: options.width ?? Math.max(300, 90 + 60 * last),
    height: 50 + 36 * Math.max(1, nodes.length),
    marginLeft: 50,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: { domain: indices, label: "log index", axis: "top" },
    y: { domain: [...nodes], label: null },
    color: { type: "categorical", domain: terms, legend: terms.length > 0, label: "term" },
    marks: [
      Plot.cell(rows.filter((row) => row.committed), {
        x: "index",
        y: "node",
        fill: "term",
        inset: 2,
        stroke: "#1f2328",
        strokeWidth: 2,
        title: label,
      }),
      Plot.cell(rows.filter((row) => !row.committed), {
        x: "index",
        y: "node",
        fill: "term",
        inset: 2,
        stroke: "#8c959f",
        strokeDasharray: "3,2",
        title: label,
      }),
      Plot.text(rows, { x: "index", y: "node", text: "term", fill: "white", fontWeight: "bold" }),
    ],
  }) as DomElement;
  return new Figure(element);
}

function label(row: RaftLogRow): string {
  return `${row.node}[${row.index}] term ${row.term}: ${row.command}` +
    (row.committed ? " (committed)" : " (not committed)") + (row.up ? "" : " (crashed)");
}

/** One moment of a story told in logs: what happened, and every server's log then. */
export interface LogStep {
  /** What happened, in words; drawn above the step's logs. */
  readonly text: string;
  /** Every server's log at that moment (see {@link clusterLogRows}). */
  readonly logs: readonly RaftLogRow[];
  /** When, in ms; when given it is written after the text. */
  readonly atMs?: number;
}

/** Options of {@link logSteps}. */
export interface LogStepsOptions {
  /** Servers top to bottom in every step. Default: as they first appear in the rows. */
  readonly nodes?: readonly NodeId[];
  /** Title above the figure. */
  readonly title?: string;
  /** Caption under the figure. */
  readonly caption?: string;
  /** Width in pixels (the step texts use it; the boxes keep their size). Default 720. */
  readonly width?: number;
}

const STEP_BOX_PX = 56;
const STEP_ROW_PX = 26;
// Room above each panel for its text: two lines of 12 px type.
const STEP_TEXT_PX = 40;
const STEP_FONT_PX = 12;

/**
 * A story in logs: one panel per step, top to bottom, each with its text above it and a
 * row per server, one box per entry, coloured and numbered by term: filled when the
 * server counts the entry committed, hollow and dashed when it only stores it. A server
 * that is crashed at a step has its boxes faded and its row marked "crashed" (its log
 * then is what its disk holds). Every panel has the same columns, so an entry that
 * changes between steps changes in place; the log indexes are written under the last
 * panel.
 *
 * @example
 * ```ts
 * import { figure8Scenario } from "./raft_scenarios.ts";
 *
 * const run = figure8Scenario({ commitRule: "unsafe" });
 * logSteps(run.steps, { nodes: ["S1", "S2", "S3", "S4", "S5"] });
 * ```
 */
export function logSteps(steps: readonly LogStep[], options: LogStepsOptions = {}): Figure {
  if (steps.length === 0) {
    throw new RangeError("Cannot draw log steps: steps must hold at least one step");
  }
  const rows = steps.flatMap((step, i) => step.logs.map((row) => ({ ...row, step: i })));
  const nodes = options.nodes ?? [...new Set(rows.map((row) => row.node))];
  const last = rows.reduce((max, row) => Math.max(max, row.index), 1);
  const terms = [...new Set(rows.map((row) => row.term))].sort((a, b) => a - b);
  const indices = Array.from({ length: last }, (_, i) => i + 1);
  const marginLeft = 50;
  const width = Math.max(options.width ?? 720, marginLeft + STEP_BOX_PX * last + 80);
  const panelPx = STEP_ROW_PX * Math.max(1, nodes.length);
  const labels = steps.map((step, i) => ({
    step: i,
    text: step.atMs === undefined ? step.text : `${step.text} (${Number(step.atMs.toFixed(1))} ms)`,
  }));
  const crashed = steps.flatMap((step, i) =>
    [...new Set(step.logs.filter((row) => !row.up).map((row) => row.node))]
      .map((node) => ({ step: i, node }))
  );
  const committed = rows.filter((row) => row.committed);
  const stored = rows.filter((row) => !row.committed);
  const faded = (row: RaftLogRow) => (row.up ? 1 : 0.4);
  const at = { x: "index", y: "node", fy: "step" } as const;
  const element = Plot.plot({
    document: plotDocument(),
    width,
    height: 40 + steps.length * (panelPx + STEP_TEXT_PX),
    marginLeft,
    marginTop: STEP_TEXT_PX,
    marginBottom: 40,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: {
      domain: indices,
      range: [marginLeft, marginLeft + STEP_BOX_PX * last],
      label: "log index",
      labelAnchor: "left",
      axis: "bottom",
    },
    y: { domain: [...nodes], label: null },
    fy: {
      domain: labels.map((label) => label.step),
      axis: null,
      padding: STEP_TEXT_PX / (panelPx + STEP_TEXT_PX),
    },
    color: {
      type: "categorical",
      domain: terms,
      legend: terms.length > 0,
      tickFormat: (term: number) => `term ${term}`,
    },
    marks: [
      Plot.cell(committed, {
        ...at,
        fill: "term",
        fillOpacity: faded,
        strokeOpacity: faded,
        stroke: "#1f2328",
        strokeWidth: 1.5,
        inset: 2,
        title: label,
      }),
      Plot.cell(stored, {
        ...at,
        fill: "white",
        stroke: "term",
        strokeOpacity: faded,
        strokeWidth: 2,
        strokeDasharray: "4,2",
        inset: 3,
        title: label,
      }),
      Plot.text(committed, { ...at, text: "term", fill: "white", fontWeight: "bold" }),
      Plot.text(stored, {
        ...at,
        text: "term",
        fill: "term",
        fillOpacity: faded,
        fontWeight: "bold",
      }),
      Plot.text(crashed, {
        y: "node",
        fy: "step",
        text: () => "crashed",
        frameAnchor: "left",
        textAnchor: "start",
        dx: STEP_BOX_PX * last + 8,
        fill: "#d94c4c",
        fontWeight: "bold",
      }),
      Plot.text(labels, {
        fy: "step",
        text: "text",
        frameAnchor: "top-left",
        textAnchor: "start",
        lineAnchor: "bottom",
        dx: -marginLeft + 4,
        dy: -6,
        // In ems; Plot measures text only roughly, so leave a margin.
        lineWidth: (width - 120) / STEP_FONT_PX,
        fontWeight: "bold",
        fontSize: STEP_FONT_PX,
      }),
    ],
  }) as DomElement;
  return new Figure(element);
}
