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
 * logRows(cluster.liveServers()).filter((row) => !row.committed);
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
 * logGrid(logRows(cluster.liveServers()), { title: "After the partition heals" });
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
