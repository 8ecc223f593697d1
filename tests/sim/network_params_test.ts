import assert from "node:assert/strict";
import { z } from "zod";
import { networkFromParams, networkParams } from "../../lib/sim/network_params.ts";
import { Simulation } from "../../lib/sim/simulation.ts";

Deno.test("networkParams declares the network's fields once, with per-experiment defaults", () => {
  const Params = z.strictObject({ ...networkParams({ lossProbability: 0.1 }) });
  const params = Params.parse({});
  assert.deepEqual(params, {
    latency: { kind: "uniform", minMs: 1, maxMs: 10 },
    lossProbability: 0.1,
    duplicateProbability: 0,
  });
  const bad = Params.safeParse({ duplicateProbability: 2 });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0]?.path, ["duplicateProbability"]);
  // The parsed fields are a valid network for the simulator.
  const sim = new Simulation({ network: networkFromParams(params) });
  assert.equal(sim.config.network.lossProbability, 0.1);
});
