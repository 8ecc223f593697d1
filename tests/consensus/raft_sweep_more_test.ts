import { assertCleanSweep } from "./sweep_helpers.ts";

Deno.test("raftFaultSweep: seeds 501–1000 over every fault profile keep every invariant, stay linearizable and recover", () => {
  assertCleanSweep(501, 500);
});
