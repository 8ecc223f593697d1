import { assertCleanMultiPaxosSweep } from "./multi_paxos_sweep_helpers.ts";

// The 1,000-seed sweep is split over two files so a parallel test run uses both cores.
Deno.test("multiPaxosFaultSweep: seeds 1–500 over every fault profile keep both properties, stay linearizable and recover", () => {
  assertCleanMultiPaxosSweep(1, 500);
});
