/**
 * Load balancing: balls into bins with d choices (and the fluid limit that predicts
 * them), the supermarket model's fixed point, balancing policies from round robin to the
 * power of d choices under stale load information, consistent hashing with bounded
 * loads, and the `balls-into-bins` and `load-balancer` experiments.
 *
 * ```ts
 * import { ballsIntoBins, loadBalancer } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./balls_into_bins.ts";
export * from "./bounded_loads.ts";
export * from "./load_balancer.ts";
export * from "./policies.ts";
export * from "./supermarket.ts";
