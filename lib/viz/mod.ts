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
export * as Plot from "@observablehq/plot";
export { type DomDocument, type DomElement, plotDocument } from "./dom.ts";
export * from "./figure.ts";
export * from "./space_time.ts";
export * from "./charts.ts";
export * from "./stats.ts";
export * from "./symbol_key.ts";
