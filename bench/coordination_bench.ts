/**
 * Speed of the coordination chapter's experiments: one `lease-lock` run (three Raft
 * servers, three clients, a storage node, 1 s of virtual time; target: a few tens of ms,
 * so the chapter's 240-run sweep stays within seconds) and one `snapshot` seed (both
 * algorithms; target: a few ms).
 *
 * @module
 */
import { leaseLock, snapshotExperiment } from "../lib/coordination/mod.ts";
import type { BenchReport } from "./report.ts";

/** One JSON line per scenario: milliseconds per seed. */
export const REPORTS: readonly BenchReport[] = ["lease-lock-1s", "snapshot-both"].map((name) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round((meanNs / 1e6) * 10) / 10 }),
}));

Deno.bench({
  name: "lease-lock-1s",
  group: "coordination",
  n: 20,
  fn: () => void leaseLock.run({ fencing: false, runMs: 1_000 }, 1),
});
Deno.bench({
  name: "snapshot-both",
  group: "coordination",
  n: 50,
  fn: () => void snapshotExperiment.run({}, 1),
});
