import assert from "node:assert/strict";
import { z } from "zod";
import {
  aimAt,
  applyNemesis,
  nemesisFromParams,
  nemesisParams,
  nemesisProcesses,
  parseConfig,
  planNemesis,
  Random,
  Simulation,
} from "./deps.ts";

Deno.test("planNemesis keeps each timeline's faults in sequence and over by endMs", () => {
  const steps = planNemesis(
    { endMs: 5000, meanGapMs: 100, meanDurationMs: 80, kinds: ["isolate", "crash", "pause"] },
    new Random(3).child("nemesis"),
  );
  assert.ok(steps.length > 20);
  assert.ok(steps.every((step) => step.endMs < 5000 && step.endMs > step.startMs));
  for (const process of [0, 1, 2]) {
    const own = steps.filter((step) => step.process === process);
    assert.ok(own.length > 0, `timeline ${process} has faults`);
    for (let i = 1; i < own.length; i++) assert.ok(own[i]!.startMs > own[i - 1]!.endMs);
  }
  assert.ok(steps.filter((s) => s.process === 0).every((s) => s.kind === "isolate"));
  assert.deepEqual(
    planNemesis(
      { endMs: 5000, meanGapMs: 100, meanDurationMs: 80, kinds: ["crash"] },
      new Random(3),
    ),
    planNemesis(
      { endMs: 5000, meanGapMs: 100, meanDurationMs: 80, kinds: ["crash"] },
      new Random(3),
    ),
  );
});

Deno.test("planNemesis turns a total fault rate into a gap per timeline", () => {
  assert.equal(nemesisProcesses({ kinds: ["partition", "crash"] }), 3);
  assert.equal(nemesisProcesses({ kinds: ["crash"], nodeProcesses: 1 }), 1);
  const steps = planNemesis(
    {
      endMs: 100_000,
      faultsPerSecond: 10,
      meanDurationMs: 1,
      kinds: ["clock-jump"],
      nodeProcesses: 1,
    },
    new Random(1),
  );
  // A rate of 10 a second over 100 s: about 1,000 faults (a Poisson count, sd about 32).
  assert.ok(Math.abs(steps.length - 1000) < 150, `${steps.length} faults`);
  assert.throws(
    () => planNemesis({ endMs: 10, meanDurationMs: 1, kinds: ["crash"] }, new Random(1)),
    /give a positive faultsPerSecond or meanGapMs/,
  );
  assert.throws(
    () => planNemesis({ endMs: 10, meanGapMs: 1, meanDurationMs: 1, kinds: [] }, new Random(1)),
    /kinds must list at least one kind/,
  );
});

Deno.test("applyNemesis aims with the hook and heals everything by the end", () => {
  const nodes = ["n1", "n2", "n3", "n4", "n5"];
  const sim = new Simulation({ seed: 2 });
  sim.addNodes(nodes, () => ({ onMessage() {} }));
  const steps = planNemesis(
    { endMs: 4000, meanGapMs: 100, meanDurationMs: 60, kinds: ["crash", "isolate", "pause"] },
    new Random(2).child("nemesis"),
  );
  const faults = applyNemesis(sim, steps, new Random(2).child("targets"), {
    nodes,
    aim: aimAt(() => "n3", 1),
  });
  sim.runUntil(4000);
  const starts = faults.filter((f) =>
    f.kind !== "heal" && f.kind !== "restart" && f.kind !== "resume"
  );
  assert.ok(starts.length > 10);
  for (const fault of starts) {
    const target = fault.kind === "partition"
      ? fault.groups[0]![0]
      : "node" in fault
      ? fault.node
      : "";
    // n3 whenever it is up (a crash or pause of n3 leaves node faults to the others).
    if (fault.kind === "partition") assert.equal(target, "n3");
  }
  assert.ok(starts.filter((f) => "node" in f && f.node === "n3").length > starts.length / 3);
  assert.ok(nodes.every((id) => sim.status(id) === "up"), "every fault healed");
  assert.throws(() => aimAt(() => "n1", 2), /probability must be between 0 and 1/);
});

Deno.test("nemesisParams declares the nemesis' knobs once, with defaults a protocol may change", () => {
  const Params = z.strictObject({ ...nemesisParams({ faultsPerSecond: 10 }) });
  const parsed = parseConfig(Params, {}, "params");
  assert.deepEqual(parsed, {
    faultsPerSecond: 10,
    meanFaultDurationMs: 150,
    faultsUntilMs: 3000,
    faultKinds: ["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"],
    concurrentNodeFaults: 2,
  });
  assert.throws(() => parseConfig(Params, { faultKinds: [] }, "params"), /params\.faultKinds/);
  assert.throws(
    () => parseConfig(Params, { faultKinds: ["meteor"] }, "params"),
    /params\.faultKinds/,
  );
  assert.equal(nemesisFromParams({ ...parsed, faultsPerSecond: 0 }, ["a", "b"]), undefined);
  assert.equal(nemesisFromParams(parsed, ["a"]), undefined, "one node: nothing to partition");
  assert.deepEqual(nemesisFromParams(parsed, ["a", "b"])?.kinds, parsed.faultKinds);
});
