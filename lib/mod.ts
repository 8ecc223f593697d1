/**
 * The course library: everything a chapter imports, from one place.
 *
 * ```ts
 * import { Simulation, spaceTimeDiagram } from "../lib/mod.ts";
 * ```
 *
 * @module
 */
export * from "./config/mod.ts";
export * from "./sim/mod.ts";
export * from "./experiments/mod.ts";
export * from "./viz/mod.ts";
export * from "./resilience/mod.ts";
export * from "./membership/mod.ts";
export * from "./clocks/mod.ts";
export * from "./exercises/mod.ts";
export * from "./course/mod.ts";
export * from "./history/mod.ts";
export * from "./check/mod.ts";
export * from "./consensus/mod.ts";
