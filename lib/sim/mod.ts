/**
 * The deterministic simulator: seeded randomness, virtual time, nodes as state machines,
 * a faulty network, per-node clocks, faults as data and a trace. It knows no protocol.
 *
 * @module
 */
export * from "./calendar_queue.ts";
export * from "./clock.ts";
export * from "./distributions.ts";
export * from "./errors.ts";
export * from "./event_queue.ts";
export * from "./faults.ts";
export * from "./network.ts";
export * from "./network_params.ts";
export * from "./node.ts";
export * from "./random.ts";
export * from "./simulation.ts";
export * from "./trace.ts";
