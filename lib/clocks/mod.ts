/**
 * Time and order (chapter 02): logical clocks (Lamport, vector, hybrid logical), the
 * happened-before relation of a trace as ground truth, audits of clocks against it on
 * scripted runs, physical clock synchronisation (Cristian, NTP), and a last-writer-wins
 * register that shows what skewed timestamps do to data.
 *
 * ```ts
 * import { happenedBefore, LamportClock, VectorClock } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./causal_clock.ts";
export * from "./causal_diagram.ts";
export * from "./causal_trace.ts";
export * from "./clock_audit.ts";
export * from "./clock_sync.ts";
export { varintSize } from "./encoding.ts";
export * from "./happened_before.ts";
export * from "./hybrid_logical_clock.ts";
export * from "./lamport_clock.ts";
export * from "./lww_register.ts";
export * from "./vector_clock.ts";
