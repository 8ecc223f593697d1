/**
 * Figures of isolation anomalies: a dependency cycle drawn (transactions as nodes with
 * their operations beside them, edges labelled ww, wr, rw or rt), and the matrix of how
 * often each anomaly appeared under each concurrency control.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { type Figure, plot } from "../viz/figure.ts";
import type { Anomaly, DependencyKind, TxnCheckResult } from "./txn_checker.ts";
import type { MicroOp } from "./txn_history.ts";

/** Colours of the dependency kinds. */
export const DEPENDENCY_COLORS: Readonly<Record<DependencyKind, string>> = {
  ww: "#1f77b4",
  wr: "#2ca02c",
  rw: "#d62728",
  rt: "#7f7f7f",
};

/** Options of {@link cycleFigure}. */
export interface CycleFigureOptions {
  /** The figure's title. Default the anomaly's name and its cycle's kinds. */
  readonly title?: string;
  /** The figure's caption. */
  readonly caption?: string;
  /** Width in pixels. Default 640. */
  readonly width?: number;
}

/**
 * Draws the cycle of a cycle anomaly: each transaction on a circle with its operations
 * (reads with what they returned), each dependency an arrow labelled with its kind and key.
 * Throws a RangeError when the anomaly has no cycle (G1a, G1b: a single bad read).
 *
 * @example
 * ```ts
 * import { checkTransactions } from "./txn_checker.ts";
 * const result = checkTransactions([
 *   { process: 0, type: "invoke", f: "txn", value: [["r", "x", null], ["append", "x", 1]] },
 *   { process: 1, type: "invoke", f: "txn", value: [["r", "x", null], ["append", "x", 2]] },
 *   { process: 0, type: "ok", f: "txn", value: [["r", "x", []], ["append", "x", 1]] },
 *   { process: 1, type: "ok", f: "txn", value: [["r", "x", []], ["append", "x", 2]] },
 *   { process: 2, type: "invoke", f: "txn", value: [["r", "x", null]] },
 *   { process: 2, type: "ok", f: "txn", value: [["r", "x", [1, 2]]] },
 * ]);
 * cycleFigure(result, result.anomalies.find((a) => a.cycle !== undefined)!); // a lost update
 * ```
 */
export function cycleFigure(
  result: TxnCheckResult,
  anomaly: Anomaly,
  options: CycleFigureOptions = {},
): Figure {
  const cycle = anomaly.cycle;
  if (cycle === undefined || cycle.length === 0) {
    throw new RangeError(`Cannot draw ${anomaly.name}: it is not a cycle (${anomaly.message})`);
  }
  const names = cycle.map((e) => e.from);
  // A read of a list nobody had appended to yet returns null; show it as the empty list.
  const listKeys = new Set(
    [...result.transactions.values()].flatMap((t) =>
      t.ops.filter((o) => o[0] === "append").map((o) => o[1])
    ),
  );
  const n = names.length;
  // Two transactions side by side; more on a circle, the first on the left, clockwise.
  const at = new Map(names.map((name, i) => {
    const angle = Math.PI - (2 * Math.PI * i) / n;
    return [name, { x: Math.cos(angle), y: n === 2 ? 0 : Math.sin(angle) }] as const;
  }));
  const edges = cycle.map((edge) => {
    const a = at.get(edge.from)!, b = at.get(edge.to)!;
    const dx = b.x - a.x, dy = b.y - a.y, length = Math.hypot(dx, dy) || 1;
    // An arc bent by 30° bulges tan(15°) of half its chord to the side (-dy, dx) of the
    // chord (y pointing up); its label sits just beyond the bulge.
    const offset = Math.tan((15 * Math.PI) / 180) * length / 2 + 0.12;
    return {
      x1: a.x,
      y1: a.y,
      x2: b.x,
      y2: b.y,
      lx: (a.x + b.x) / 2 - (dy / length) * offset,
      ly: (a.y + b.y) / 2 + (dx / length) * offset,
      kind: edge.kind,
      label: edge.key === undefined ? edge.kind : `${edge.kind} ${edge.key}`,
    };
  });
  const nodes = names.map((name) => {
    const txn = result.transactions.get(name);
    const { x, y } = at.get(name)!;
    const outward = n === 2 ? { x: 0, y: -1 } : { x, y };
    return {
      name,
      x,
      y,
      // The operations sit outside the circle (below, for two side by side).
      ox: x + outward.x * 0.32,
      oy: y + outward.y * 0.32 - (n === 2 ? 0.05 : 0),
      anchor: n === 2 || Math.abs(x) < 0.3 ? "middle" : x > 0 ? "start" : "end",
      valign: outward.y < -0.3 ? "top" : outward.y > 0.3 ? "bottom" : "middle",
      ops: txn === undefined
        ? ""
        : txn.ops.map((op) =>
          describeOp(op[0] === "r" && op[2] === null && listKeys.has(op[1]) ? ["r", op[1], []] : op)
        ).join("\n"),
    };
  });
  const width = options.width ?? 640;
  const kinds = [...new Set(cycle.map((e) => e.kind))];
  const textMarks = (["start", "middle", "end"] as const).flatMap((anchor) =>
    (["top", "middle", "bottom"] as const).map((valign) =>
      Plot.text(nodes.filter((d) => d.anchor === anchor && d.valign === valign), {
        x: "ox",
        y: "oy",
        text: "ops",
        textAnchor: anchor,
        lineAnchor: valign,
        fontSize: 12,
        fontFamily: "ui-monospace, monospace",
        fill: "#333",
      })
    )
  );
  return plot({
    width,
    height: n === 2 ? 230 : 420,
    title: options.title ??
      `${anomaly.name}: ${cycle.map((e) => e.kind).join(" → ")} closes a cycle`,
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: { axis: null, domain: [-2.4, 2.4] },
    y: { axis: null, domain: n === 2 ? [-0.95, 0.6] : [-1.75, 1.75] },
    color: {
      domain: kinds,
      range: kinds.map((k) => DEPENDENCY_COLORS[k]),
      legend: true,
      tickFormat: (k: DependencyKind) => KIND_NAMES[k],
    },
    marks: [
      Plot.arrow(edges, {
        x1: "x1",
        y1: "y1",
        x2: "x2",
        y2: "y2",
        stroke: "kind",
        strokeWidth: 2.5,
        bend: 30,
        insetStart: 20,
        insetEnd: 20,
        headLength: 12,
      }),
      Plot.text(edges, {
        x: "lx",
        y: "ly",
        text: "label",
        fill: "kind",
        fontSize: 13,
        fontWeight: "bold",
        stroke: "white",
        strokeWidth: 4,
        paintOrder: "stroke",
      }),
      Plot.dot(nodes, { x: "x", y: "y", r: 18, fill: "white", stroke: "#333", strokeWidth: 2 }),
      Plot.text(nodes, { x: "x", y: "y", text: "name", fontSize: 13, fontWeight: "bold" }),
      ...textMarks,
    ],
  });
}

const KIND_NAMES: Readonly<Record<DependencyKind, string>> = {
  ww: "ww: overwrote (appended next)",
  wr: "wr: read what the other wrote",
  rw: "rw: read a version the other replaced",
  rt: "rt: finished before the other began",
};

function describeOp([f, key, value]: MicroOp): string {
  if (f !== "r") return `${f} ${key} ${value}`;
  return `r ${key} ${Array.isArray(value) ? `[${value.join(" ")}]` : String(value)}`;
}

/** A row the matrix reads: one run's concurrency control, workload and whether it showed its anomaly. */
export interface AnomalyMatrixRow {
  /** The concurrency control. */
  readonly isolation: string;
  /** The workload (the anomaly it is shaped for). */
  readonly anomaly: string;
  /** Whether the run showed the anomaly. */
  readonly found: boolean;
}

/** Options of {@link anomalyMatrix}. */
export interface AnomalyMatrixOptions {
  /** The figure's title. */
  readonly title?: string;
  /** The figure's caption. */
  readonly caption?: string;
  /** Column order. Default the order of first appearance. */
  readonly isolations?: readonly string[];
  /** Row order. Default the order of first appearance. */
  readonly anomalies?: readonly string[];
}

/**
 * The anomaly × isolation matrix: one cell per workload and concurrency control, shaded
 * by the share of runs that showed the anomaly, labelled with the count ("0 of 250" is a
 * level that forbids it; anything above 0 is a level that lets it through).
 *
 * @example
 * ```ts
 * anomalyMatrix([
 *   { isolation: "none", anomaly: "dirty-read", found: true },
 *   { isolation: "read-committed", anomaly: "dirty-read", found: false },
 * ]);
 * ```
 */
export function anomalyMatrix(
  rows: readonly AnomalyMatrixRow[],
  options: AnomalyMatrixOptions = {},
): Figure {
  const isolations = options.isolations ?? [...new Set(rows.map((r) => r.isolation))];
  const anomalies = options.anomalies ?? [...new Set(rows.map((r) => r.anomaly))];
  const cells = anomalies.flatMap((anomaly) =>
    isolations.map((isolation) => {
      const runs = rows.filter((r) => r.isolation === isolation && r.anomaly === anomaly);
      const found = runs.filter((r) => r.found).length;
      const share = runs.length === 0 ? 0 : found / runs.length;
      return {
        isolation,
        anomaly,
        share,
        label: runs.length === 0 ? "–" : `${found} of ${runs.length}`,
        dark: share > 0.55,
      };
    })
  );
  return plot({
    width: 640,
    height: 70 + 48 * anomalies.length,
    marginLeft: 110,
    marginTop: 40,
    style: { fontSize: "12px" },
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: { domain: isolations, axis: "top", label: null, tickSize: 0 },
    y: { domain: anomalies, label: null, tickSize: 0 },
    color: {
      type: "linear",
      domain: [0, 1],
      range: ["#f7f7f7", "#b2182b"],
      legend: true,
      label: "share of runs showing the anomaly",
      tickFormat: "%",
    },
    marks: [
      Plot.cell(cells, { x: "isolation", y: "anomaly", fill: "share", inset: 1.5 }),
      Plot.text(cells, {
        x: "isolation",
        y: "anomaly",
        text: "label",
        fontSize: 13,
        fill: (d: { dark: boolean }) => (d.dark ? "white" : "black"),
      }),
    ],
  });
}
