/**
 * Version vectors with siblings under faults, 1,000 seeds: acknowledged writes stay on W
 * disks, and after the heal anti-entropy makes every key's replicas hold the same siblings.
 */
import { assertCleanSweep } from "./sweep_helpers.ts";

Deno.test("version-vector store: 1,000 seeds of faults, durable and convergent after heal", () => {
  assertCleanSweep({
    versioning: "vector",
    readRepair: true,
    writeBack: false,
    antiEntropyIntervalMs: 100,
  }, 1000);
});
