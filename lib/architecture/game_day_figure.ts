/**
 * The game day's report figure: the steady-state metric window by window against the
 * hypothesis's target, above the faults the nemesis injected, one lane per node.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { type Figure, plot } from "../viz/figure.ts";
import type { FaultInterval, SteadyStateWindow } from "./game_day.ts";

/** Options of {@link gameDayReport}. */
export interface GameDayReportOptions {
  /** The hypothesis's target (a rule is drawn at it). */
  readonly targetSuccess: number;
  /** The run's length, in ms. */
  readonly runMs: number;
  /** The nodes to give fault lanes, in order. */
  readonly nodes: readonly string[];
  /** The figure's title. */
  readonly title?: string;
  /** The figure's subtitle. */
  readonly subtitle?: string;
  /** Width in pixels. Default 760. */
  readonly width?: number;
}

/**
 * The report of one game day: success per window (red where below target, the warm-up
 * grey) and, underneath, each fault as a bar in its node's lane.
 */
export function gameDayReport(
  windows: readonly SteadyStateWindow[],
  faults: readonly FaultInterval[],
  options: GameDayReportOptions,
): Figure {
  const windowMs = (windows[1]?.startMs ?? 100) - (windows[0]?.startMs ?? 0);
  const bars = windows.map((w) => ({
    x1: w.startMs,
    x2: w.startMs + windowMs,
    success: w.success,
    verdict: !w.judged ? "warm-up" : w.success >= options.targetSuccess ? "held" : "below target",
  }));
  // Fault lanes sit under the metric on the same y scale, below zero, one band per node.
  const laneHeight = 0.1;
  const laneTop = (node: string) => -0.04 - laneHeight * options.nodes.indexOf(node);
  const lanes = faults
    .filter((f) => options.nodes.includes(f.node))
    .map((f) => ({
      x1: f.fromMs,
      x2: f.toMs,
      y1: laneTop(f.node) - laneHeight * 0.8,
      y2: laneTop(f.node),
      verdict: f.kind,
    }));
  const labels = options.nodes.map((node) => ({ node, y: laneTop(node) - laneHeight * 0.4 }));
  return plot({
    title: options.title ?? "Game day",
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    width: options.width ?? 760,
    height: 260 + 22 * options.nodes.length,
    marginLeft: 60,
    x: { domain: [0, options.runMs], label: "time (ms)" },
    y: {
      domain: [-0.04 - laneHeight * options.nodes.length, 1],
      ticks: [0, 0.25, 0.5, 0.75, 1],
      label: "requests answered 200",
      tickFormat: "%",
      grid: true,
    },
    color: {
      legend: true,
      domain: ["held", "below target", "warm-up", "crash", "pause", "isolate"],
      range: ["#2ca02c", "#d62728", "#bbbbbb", "#7f3c8d", "#f2b701", "#3969ac"],
    },
    marks: [
      Plot.rect(bars, { x1: "x1", x2: "x2", y1: 0, y2: "success", fill: "verdict", insetLeft: 1 }),
      Plot.rect(lanes, { x1: "x1", x2: "x2", y1: "y1", y2: "y2", fill: "verdict" }),
      Plot.text(labels, { x: 0, y: "y", text: "node", textAnchor: "end", dx: -4, fontSize: 10 }),
      Plot.ruleY([0]),
      Plot.ruleY([options.targetSuccess], { stroke: "#333", strokeDasharray: "4,3" }),
    ],
  });
}
