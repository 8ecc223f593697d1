import assert from "node:assert/strict";
import fc from "fast-check";
import {
  auditClock,
  compareNumbers,
  formatVector,
  LamportClock,
  randomCausalScript,
  runCausalScript,
  VectorClock,
} from "../../lib/clocks/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";
import { causalScriptArbitrary } from "../../lib/exercises/arbitraries.ts";

const PING_PONG = {
  nodes: 2,
  actions: [
    { node: 0, atMs: 0, kind: "send" as const, to: 1 },
    { node: 1, atMs: 50, kind: "send" as const, to: 0 },
    { node: 1, atMs: 60, kind: "local" as const },
  ],
  latency: { kind: "constant" as const, ms: 5 },
};

Deno.test("runCausalScript lines up each event of the trace with every clock's stamp", () => {
  const run = runCausalScript(PING_PONG, {
    lamport: () => new LamportClock(),
    vector: (ctx) => new VectorClock(ctx.id),
  });
  assert.deepEqual(run.nodeIds, ["n1", "n2"]);
  assert.deepEqual(run.truth.events.map((e) => `${e.node} ${e.kind}`), [
    "n1 send",
    "n2 receive",
    "n2 send",
    "n1 receive",
    "n2 local",
  ]);
  assert.deepEqual(run.stamps.lamport, [1, 2, 3, 4, 4]);
  assert.deepEqual(run.stamps.vector.map((v) => formatVector(v, run.nodeIds)), [
    "[1,0]",
    "[1,1]",
    "[1,2]",
    "[2,2]",
    "[1,3]",
  ]);
  assert.deepEqual(run.physicalMs, [0, 5, 50, 55, 60]);
});

Deno.test("runCausalScript: node clocks follow the script's offsets and drifts", () => {
  const run = runCausalScript(
    { ...PING_PONG, clocks: [{ offsetMs: 100 }, { offsetMs: 0, driftPpm: 1000 }] },
    {},
  );
  // Timers run on the node's own clock: n2's actions happen at 50 and 60 on its clock.
  const expected = [100, 5.005, 50, 100 + 50 / 1.001 + 5, 60];
  run.physicalMs.forEach((ms, i) => assert.ok(Math.abs(ms - expected[i]!) < 1e-9, `${i}: ${ms}`));
  assert.ok(Math.abs(run.clockReading("n2", 1000) - 1001) < 1e-9);
  assert.throws(() => run.clockReading("n9", 0), RangeError);
});

Deno.test("runCausalScript is deterministic: same script, same trace, same stamps", () => {
  const script = randomCausalScript(5, {
    nodes: 4,
    actions: 40,
    network: { lossProbability: 0.2, duplicateProbability: 0.2 },
  });
  const a = runCausalScript(script, { lamport: () => new LamportClock() });
  const b = runCausalScript(script, { lamport: () => new LamportClock() });
  assert.equal(a.simulation.trace.hash(), b.simulation.trace.hash());
  assert.deepEqual(a.stamps.lamport, b.stamps.lamport);
  assert.ok(a.simulation.stats.drops > 0, "the script's loss shows");
});

Deno.test("runCausalScript copies stamps, so a clock that mutates its result cannot rewrite history", () => {
  const shared = { n: 0 };
  const run = runCausalScript(PING_PONG, {
    sneaky: () => ({
      tick: () => (shared.n++, shared),
      send: () => (shared.n++, shared),
      receive: () => (shared.n++, shared),
    }),
  });
  assert.deepEqual(run.stamps.sneaky.map((s) => s.n), [1, 2, 3, 4, 5]);
});

Deno.test("runCausalScript rejects a bad script with the field's path", () => {
  assert.throws(
    () => runCausalScript({ nodes: 2, actions: [{ node: 0, atMs: 0, kind: "send", to: 0 }] }, {}),
    (error: Error) =>
      error instanceof ConfigError &&
      /script\.actions\.0\.to: must be another node's index/.test(error.message),
  );
  assert.throws(
    () => runCausalScript({ nodes: 2, actions: [{ node: 2, atMs: 0, kind: "local" }] }, {}),
    /script\.actions\.0\.node: must be less than nodes \(2\)/,
  );
  assert.throws(() => runCausalScript(PING_PONG, { bad: 3 as never }), TypeError);
});

Deno.test("randomCausalScript draws the same script for the same seed, another for another", () => {
  const a = randomCausalScript(1, { nodes: 3, actions: 20 });
  assert.deepEqual(a, randomCausalScript(1, { nodes: 3, actions: 20 }));
  assert.notDeepEqual(a.actions, randomCausalScript(2, { nodes: 3, actions: 20 }).actions);
  assert.equal(a.actions.length, 20);
  assert.ok(a.actions.every((action) => action.kind === "local" || action.to !== action.node));
  assert.throws(() => randomCausalScript(1, { nodes: 1 }), RangeError);
});

Deno.test("causalScriptArbitrary draws valid scripts with sends, local events and faults", () => {
  const scripts = fc.sample(causalScriptArbitrary(), { seed: 9, numRuns: 200 });
  assert.ok(scripts.every((s) => s.nodes >= 2 && s.nodes <= 4 && s.actions.length <= 12));
  assert.ok(scripts.some((s) => s.lossProbability > 0 && s.duplicateProbability > 0));
  assert.ok(scripts.some((s) => s.actions.some((a) => a.kind === "local")));
  assert.ok(scripts.every((s) => s.actions.every((a) => a.kind === "local" || a.to !== a.node)));
});

Deno.test("auditClock counts pairs by the truth and by the clock", () => {
  const run = runCausalScript(PING_PONG, { lamport: () => new LamportClock() });
  const audit = auditClock(run.truth, run.stamps.lamport, compareNumbers);
  // 5 events, 10 pairs; only n1's receipt and n2's local event are concurrent, and they tie.
  assert.equal(audit.pairs, 10);
  assert.equal(audit.causalPairs, 9);
  assert.equal(audit.concurrentPairs, 1);
  assert.equal(audit.clockOrderedPairs, 9);
  assert.equal(audit.violations, 0);
  assert.equal(audit.falselyOrdered, 0);
  assert.equal(audit.mismatches, 1);
  assert.equal(audit.firstMismatch?.clock, "equal");
  assert.equal(audit.firstMismatch?.truth, "concurrent");
  assert.throws(() => auditClock(run.truth, [1, 2], compareNumbers), RangeError);
});

Deno.test("auditClock reports the first breach of the clock condition", () => {
  const run = runCausalScript(PING_PONG, {});
  const backwards = run.truth.events.map((e) => -e.t);
  const audit = auditClock(run.truth, backwards, compareNumbers);
  assert.equal(audit.violations, 9);
  assert.equal(audit.firstViolation?.a.index, 0);
  assert.equal(audit.firstViolation?.b.index, 1);
  assert.equal(audit.firstViolation?.clock, "after");
});
