/**
 * Exercises with self-checks. A check returns an {@link ExerciseResult} that shows as a
 * green ✓ or red ✗ box in Jupyter and never throws for a wrong answer; `assertPassed`
 * turns a failure into an error for readers who want one.
 *
 * @module
 */
export * from "./ch01.ts";
export * from "./ch02.ts";
export * from "./ch03_linearizability.ts";
export * from "./ch04_raft.ts";
export * from "./ch06_paxos.ts";
export * from "./ch08_replication.ts";
export * from "./ch15_partitioning.ts";
export * from "./ch16_load_balancing.ts";
export * from "./result.ts";
export * from "./ch17_resilience.ts";
export * from "./ch18_failure_detection.ts";
export * from "./ch07_pbft.ts";
export * from "./ch19_coordination.ts";
export * from "./ch11_crdts.ts";
