/**
 * Named, parameterised experiments and the sweep runner that runs them over seeds and
 * parameter grids.
 *
 * @module
 */
export * from "./experiment.ts";
