/**
 * Plots for the course: figures that show inline in the Deno Jupyter kernel and render to
 * static SVG everywhere else, the space-time diagram of a trace, latency histograms and
 * CDFs, parameter sweeps with bands over seeds, and the statistics behind them.
 *
 * ```ts
 * import { cdf, spaceTimeDiagram } from "../lib/mod.ts";
 * spaceTimeDiagram(sim.trace, { toMs: 200 });
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
export { Figure, legend, plot, readableLogTicks, show } from "./figure.ts";
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
