import { assertCleanSweep } from "./sweep_helpers.ts";

// The sweep is split over two files so a parallel test run uses both cores.
Deno.test("raftFaultSweep: seeds 1–500 over every fault profile keep every invariant, stay linearizable and recover", () => {
  assertCleanSweep(1, 500);
});
