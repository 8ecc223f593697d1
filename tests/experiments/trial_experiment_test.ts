import assert from "node:assert/strict";
import { trialExperiment } from "../../lib/experiments/mod.ts";
import { runTrial } from "../../lib/testing/mod.ts";
import { toyRegister } from "../testing/toy_register.ts";

Deno.test("trialExperiment gives one row per seed, the trial's row, failures included", () => {
  const experiment = trialExperiment(toyRegister, { title: "A toy register under faults" });
  assert.equal(experiment.name, "toy-register");
  for (const params of [{}, { bug: "corrupt" as const }]) {
    for (const seed of [1, 2, 3]) {
      assert.deepEqual(experiment.run(params, seed), [runTrial(toyRegister, params, seed).row]);
    }
  }
  assert.equal(experiment.run({ bug: "corrupt" }, 1)[0]!.failure, "safety");
  assert.throws(() => experiment.run({ clients: 0 }, 1), /params\.clients/);
});
