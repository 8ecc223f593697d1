/**
 * ABD over a Dynamo-style store (N = 3, W = R = 2, writes that read first, reads that
 * write back) under crashes, pauses, partitions (clients included), loss, duplication
 * and a slow path: every acknowledged write stays on W disks and every history is
 * linearizable, over 1,000 seeds.
 */
import { assertCleanSweep, SLOW_PATH } from "./sweep_helpers.ts";

Deno.test("ABD quorum store: 1,000 seeds of faults, durable and linearizable", () => {
  assertCleanSweep({ latency: SLOW_PATH }, 1000);
});
