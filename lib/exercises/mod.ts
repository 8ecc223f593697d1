/**
 * Exercises with self-checks. A check returns an {@link ExerciseResult} that shows as a
 * green ✓ or red ✗ box in Jupyter and never throws for a wrong answer; `assertPassed`
 * turns a failure into an error for readers who want one.
 *
 * Some self-checks import fast-check, the one place in the library that does: they
 * search the reader's code for a counterexample (random inputs, shrunk to a small one
 * when the answer fails), which is the check itself, not a test of the library. The
 * arbitraries they draw from live here too (arbitraries.ts), not in the topic folders.
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
export * from "./ch10_cap.ts";
export * from "./ch11_crdts.ts";
export * from "./ch20_messaging.ts";
export * from "./ch14_sagas.ts";
export * from "./ch13_atomic_commit.ts";
export * from "./ch12_isolation.ts";
export * from "./ch09_consistency.ts";
export * from "./ch21_architecture.ts";
export * from "./ch22_chaos.ts";
