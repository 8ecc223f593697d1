/**
 * What every chapter uses: the simulator, validated configs, experiments and their sweeps,
 * figures, and the course's claims and tables. A chapter imports its topic from that
 * topic's own module (`../lib/consensus/mod.ts`, `../lib/clocks/mod.ts`, ...), and its
 * exercises' self-checks from `../lib/exercises/mod.ts`.
 *
 * ```ts
 * import { Simulation, spaceTimeDiagram } from "../lib/mod.ts";
 * import { RaftCluster } from "../lib/consensus/mod.ts";
 * ```
 *
 * @module
 */
export * from "./config/mod.ts";
export * from "./sim/mod.ts";
export * from "./experiments/mod.ts";
export * from "./viz/mod.ts";
export * from "./course/mod.ts";
