/**
 * Conflicts and CRDTs (chapter 11): state-based conflict-free replicated data types
 * behind one interface ({@link Crdt}): counters, sets, registers and RGA text; the
 * shopping cart that shows what last-writer-wins and siblings do to concurrent writes;
 * and the `crdt-convergence` experiment, replicas gossiping whole states or deltas
 * across a partition.
 *
 * ```ts
 * import { orSet, update } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./cart.ts";
export * from "./catalog.ts";
export * from "./convergence.ts";
export * from "./counters.ts";
export * from "./crdt.ts";
export * from "./history.ts";
export * from "./registers.ts";
export * from "./rga.ts";
export * from "./sets.ts";
