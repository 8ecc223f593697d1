/**
 * The Dynamo configuration under faults, 1,000 seeds: last writer wins with sloppy
 * quorums, hinted handoff, read repair and anti-entropy on five nodes. Acknowledged writes stay on W disks (hinted copies count), no
 * replica goes back in time, and after the heal every key's replicas converge with no
 * hint left.
 */
import { assertCleanSweep, SLOW_PATH } from "./sweep_helpers.ts";

Deno.test("sloppy LWW store: 1,000 seeds of faults, durable and convergent after heal", () => {
  assertCleanSweep({
    replicas: 5,
    sloppy: true,
    writes: "clock",
    writeBack: false,
    readRepair: true,
    antiEntropyIntervalMs: 100,
    latency: SLOW_PATH,
  }, 1000);
});
