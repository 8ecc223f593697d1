/**
 * Knowing who is alive: failure detectors (fixed-timeout heartbeats, phi accrual), gossip
 * dissemination, the SWIM membership protocol, failover and leader election, and the
 * ground-truth logs that measure how often each is wrong.
 *
 * @module
 */
export * from "./heartbeat_detector.ts";
export * from "./phi_accrual.ts";
export * from "./gossip.ts";
export * from "./swim.ts";
export * from "./swim_detection.ts";
export * from "./swim_trial.ts";
export * from "./swim_faults.ts";
export * from "./failover.ts";
export * from "./bully.ts";
