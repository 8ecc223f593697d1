/**
 * Plots for the course: figures that show inline in the Deno Jupyter kernel and render to
 * static SVG everywhere else, the space-time diagram of a trace, latency histograms and
 * CDFs, parameter sweeps with bands over seeds, and the statistics behind them.
 *
 * ```ts
 * import { cdf, spaceTimeDiagram } from "./mod.ts";
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("n1", (ctx) => ({
 *   start: () => ctx.send("n2", { type: "ping" }),
 *   onMessage: () => {},
 * }));
 * sim.addNode("n2", () => ({ onMessage: () => {} }));
 * sim.runUntil(200);
 * spaceTimeDiagram(sim.trace, { toMs: 200 }); // a Figure: one lane per node, the ping
 * cdf([{ ms: 1 }, { ms: 2 }, { ms: 5 }], { x: "ms" }); // a Figure: the latencies' CDF
 * ```
 *
 * @module
 */
export { cdf, histogram, percentileRows, sweepLines } from "./charts.ts";
export type {
  CdfOptions,
  ChartOptions,
  HistogramOptions,
  PercentileRow,
  SweepLinesOptions,
} from "./charts.ts";
export { Figure, legend, markupOf, plot, print, readableLogTicks, show } from "./figure.ts";
export type { FigureBundle, Showable } from "./figure.ts";
export {
  spaceTimeDiagram,
  spaceTimeMarks,
  spaceTimeRows,
  SpaceTimeRowsOptionsSchema,
} from "./space_time.ts";
export type {
  LaneRow,
  NodeIntervalRow,
  NoteRow,
  PartitionRow,
  SpaceTimeMarksOptions,
  SpaceTimeMessageRow,
  SpaceTimeOptions,
  SpaceTimeRows,
  SpaceTimeRowsOptions,
} from "./space_time.ts";
export { bandRows, ecdfRows, groupValues, percentileName, quantile, summarize } from "./stats.ts";
export type {
  Accessor,
  BandKind,
  BandOptions,
  BandRow,
  EcdfOptions,
  EcdfRow,
  GroupKey,
  Summary,
} from "./stats.ts";
export { symbolKey } from "./symbol_key.ts";
export type { KeyItem, KeyShape, SymbolKeyOptions } from "./symbol_key.ts";
export * as Plot from "@observablehq/plot";
