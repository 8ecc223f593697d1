import assert from "node:assert/strict";
import { z } from "zod";
import { describeExperiment, describeParams } from "../../lib/experiments/catalog.ts";
import {
  defineExperiment,
  experiments,
  findExperiment,
  pingRtt,
} from "../../lib/experiments/mod.ts";

const stub = (name: string) =>
  defineExperiment({ name, title: name, params: z.strictObject({}), trial: () => [] });

Deno.test("experiments holds ping-rtt, and every name once", () => {
  const names = experiments.map((experiment) => experiment.name);
  assert.ok(names.includes("ping-rtt"));
  assert.equal(new Set(names).size, names.length, `duplicate names in ${names.join(", ")}`);
});

Deno.test("every registered experiment runs with its defaults", () => {
  for (const experiment of experiments) {
    assert.doesNotThrow(() => experiment.parseParams({}), experiment.name);
    assert.ok(experiment.title.length > 0, experiment.name);
  }
});

Deno.test("findExperiment returns the experiment with that name", () => {
  assert.equal(findExperiment("ping-rtt"), pingRtt);
  const catalog = [stub("alpha"), stub("beta")];
  assert.equal(findExperiment("beta", catalog), catalog[1]);
});

Deno.test("findExperiment lists the known names for an unknown one", () => {
  const catalog = [stub("fanout-tail"), stub("ping-rtt"), stub("split-brain")];
  assert.throws(
    () => findExperiment("x", catalog),
    new RangeError(
      'Cannot find experiment "x": known experiments are fanout-tail, ping-rtt, split-brain',
    ),
  );
  assert.throws(
    () => findExperiment("ping-rt", catalog),
    new RangeError(
      'Cannot find experiment "ping-rt": known experiments are fanout-tail, ping-rtt, ' +
        'split-brain; did you mean "ping-rtt"?',
    ),
  );
});

Deno.test("describeParams lists parameters in order with defaults and descriptions", () => {
  const params = describeParams(pingRtt);
  assert.deepEqual(params.map((param) => param.name), [
    "nodes",
    "pings",
    "intervalMs",
    "latency",
    "lossProbability",
    "timeoutMs",
  ]);
  assert.deepEqual(params[0], {
    name: "nodes",
    defaultValue: 3,
    description: "Nodes; each pings the others in turn",
    type: "number",
  });
  assert.equal(params[3]?.type, "object");
});

Deno.test("describeExperiment shows the title, chapter and each parameter's default", () => {
  const text = describeExperiment(pingRtt);
  assert.ok(text.startsWith("ping-rtt: Round-trip times of pings between a few nodes\n"));
  assert.match(text, /^chapter: 00_welcome$/m);
  assert.match(text, /^ {2}lossProbability \(number\) = 0$/m);
});
