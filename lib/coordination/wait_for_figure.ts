/**
 * The wait-for graph drawn: transactions on a circle, an arrow from each waiter to the
 * transaction it waits for, labelled with the site whose lock table holds the wait, and
 * the edges of a cycle in red.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { type Figure, plot } from "../viz/figure.ts";
import type { WaitEdge } from "./deadlock.ts";

/** Options of {@link waitForGraph}. */
export interface WaitForGraphOptions {
  /** Transactions on a cycle: its edges are drawn red. */
  readonly cycle?: readonly string[];
  /** Transactions to draw even without edges, in this order. Default those on an edge, sorted. */
  readonly transactions?: readonly string[];
  /** The figure's title. */
  readonly title?: string;
  /** The figure's caption. */
  readonly caption?: string;
  /** Width (and height) in pixels. Default 360. */
  readonly width?: number;
}

/**
 * Draws a wait-for graph.
 *
 * @example
 * ```ts
 * waitForGraph([
 *   { waiter: "T1", holder: "T2", site: "s1" },
 *   { waiter: "T2", holder: "T1", site: "s2" },
 * ], { cycle: ["T1", "T2"], title: "A deadlock across two sites" });
 * ```
 */
export function waitForGraph(
  edges: readonly WaitEdge[],
  options: WaitForGraphOptions = {},
): Figure {
  const names = options.transactions ??
    [...new Set(edges.flatMap((e) => [e.waiter, e.holder]))].sort();
  const at = new Map(names.map((name, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, names.length);
    return [name, { x: Math.cos(angle), y: Math.sin(angle) }] as const;
  }));
  const cycle = options.cycle ?? [];
  const onCycle = (edge: WaitEdge) => {
    const i = cycle.indexOf(edge.waiter);
    return i >= 0 && cycle[(i + 1) % cycle.length] === edge.holder;
  };
  // Two opposite waits between the same pair bend apart, so both arrows show.
  const rows = edges.map((edge) => {
    const a = at.get(edge.waiter)!, b = at.get(edge.holder)!;
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const dx = b.x - a.x, dy = b.y - a.y, length = Math.hypot(dx, dy) || 1;
    // The label sits just outside the arc: an arc bent by 18° bulges tan(9°) of half
    // its chord, on the side (dy, -dx) of the chord.
    const offset = Math.tan((9 * Math.PI) / 180) * length / 2 + 0.1;
    return {
      x1: a.x,
      y1: a.y,
      x2: b.x,
      y2: b.y,
      lx: mid.x + (dy / length) * offset,
      ly: mid.y - (dx / length) * offset,
      // Anchor the label on its far side from the arc, so the text never covers it.
      anchor: dy / length > 0.3 ? "start" : dy / length < -0.3 ? "end" : "middle",
      label: edge.resource === undefined ? edge.site : `${edge.resource}@${edge.site}`,
      kind: onCycle(edge) ? "on the cycle" : "wait",
      title: `${edge.waiter} waits for ${edge.holder} at ${edge.site}`,
    };
  });
  const nodes = names.map((name) => ({ name, ...at.get(name)!, cyclic: cycle.includes(name) }));
  const size = options.width ?? 360;
  return plot({
    width: size,
    height: size,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    x: { axis: null, domain: [-1.35, 1.35] },
    y: { axis: null, domain: [1.35, -1.35] },
    color: { domain: ["wait", "on the cycle"], range: ["#777", "#d62728"], legend: true },
    marks: [
      Plot.arrow(rows, {
        x1: "x1",
        y1: "y1",
        x2: "x2",
        y2: "y2",
        stroke: "kind",
        strokeWidth: 2,
        bend: 18,
        insetStart: 17,
        insetEnd: 17,
        headLength: 10,
        title: "title",
      }),
      ...(["start", "middle", "end"] as const).map((anchor) =>
        Plot.text(rows.filter((row) => row.anchor === anchor), {
          x: "lx",
          y: "ly",
          text: "label",
          fill: "kind",
          fontSize: 11,
          textAnchor: anchor,
        })
      ),
      Plot.dot(nodes, {
        x: "x",
        y: "y",
        r: 15,
        fill: "white",
        stroke: (d: { cyclic: boolean }) => (d.cyclic ? "#d62728" : "#333"),
        strokeWidth: 2,
      }),
      Plot.text(nodes, { x: "x", y: "y", text: "name", fontSize: 12, fontWeight: "bold" }),
    ],
  });
}
