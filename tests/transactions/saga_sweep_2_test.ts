import { assertCleanSagaSweep } from "./saga_sweep_helpers.ts";

// The 1,000-seed sweep is split over two files so a parallel test run uses both cores.
Deno.test("sagaMoneyTrial: seeds 501–1000 over every fault profile conserve money, charge once and settle every saga", () => {
  assertCleanSagaSweep(501, 500);
});
