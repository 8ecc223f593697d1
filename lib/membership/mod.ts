/**
 * Knowing who is alive: failure detectors and the ground-truth logs that measure how
 * often they are wrong.
 *
 * @module
 */
export * from "./heartbeat_detector.ts";
