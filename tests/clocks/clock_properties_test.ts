/**
 * Every clock against the ground truth, on random simulated runs (random nodes, sends,
 * local events, delays that reorder messages, loss, duplication): Lamport's clock
 * condition, the vector clock's exact characterisation of happened-before, the hybrid
 * logical clock's causality and skew bound, and deliberately broken clocks that must be
 * caught.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  auditClock,
  type CausalClock,
  type CausalOrder,
  type CausalScript,
  compareHlc,
  compareNumbers,
  compareVectors,
  HybridLogicalClock,
  LamportClock,
  runCausalScript,
  VectorClock,
  type VectorTimestamp,
} from "../../lib/clocks/mod.ts";
import { causalScriptArbitrary } from "../../lib/exercises/arbitraries.ts";

const RUNS = { seed: 21, numRuns: 120 };

/** Scripts whose nodes' clocks are offset by up to ±20 ms and drift by up to ±1000 ppm. */
const skewedScripts = causalScriptArbitrary().chain((script) =>
  fc.array(
    fc.record({
      offsetMs: fc.double({ min: -20, max: 20, noNaN: true }),
      driftPpm: fc.integer({ min: -1000, max: 1000 }),
    }),
    { minLength: script.nodes, maxLength: script.nodes },
  ).map((clocks): CausalScript => ({ ...script, clocks }))
);

// ---- Lamport 1978: the clock condition, and why it is not enough -------------------------

Deno.test("LamportClock: a → b implies L(a) < L(b) on random runs with loss, duplication and reordering", () => {
  fc.assert(
    fc.property(causalScriptArbitrary(), (script) => {
      const run = runCausalScript(script, { lamport: () => new LamportClock() });
      return auditClock(run.truth, run.stamps.lamport, compareNumbers).violations === 0;
    }),
    RUNS,
  );
});

Deno.test("LamportClock: L(a) < L(b) does not imply a → b (concurrent pairs get ordered)", () => {
  // n1 does three local events while n2 does one: all concurrent, yet L orders them.
  const run = runCausalScript({
    nodes: 2,
    actions: [
      { node: 0, atMs: 1, kind: "local" },
      { node: 0, atMs: 2, kind: "local" },
      { node: 0, atMs: 3, kind: "local" },
      { node: 1, atMs: 1, kind: "local" },
    ],
  }, { lamport: () => new LamportClock() });
  const audit = auditClock(run.truth, run.stamps.lamport, compareNumbers);
  assert.equal(audit.violations, 0);
  assert.equal(audit.concurrentPairs, 3);
  assert.equal(audit.falselyOrdered, 2); // L = 2 and 3 on n1 are "after" L = 1 on n2
});

Deno.test("a Lamport receive rule without + 1 breaks the clock condition, and the check finds it", () => {
  class NoIncrement implements CausalClock<number> {
    time = 0;
    tick = () => ++this.time;
    send = () => ++this.time;
    receive = (stamp: number) => this.time = Math.max(this.time, stamp);
  }
  const outcome = fc.check(
    fc.property(causalScriptArbitrary(), (script) => {
      const run = runCausalScript(script, { broken: () => new NoIncrement() });
      return auditClock(run.truth, run.stamps.broken, compareNumbers).violations === 0;
    }),
    RUNS,
  );
  assert.equal(outcome.failed, true);
  const [script] = outcome.counterexample!;
  // Shrunk to one send and its receipt.
  assert.equal(script.actions.length, 1, JSON.stringify(script));
});

// ---- Fidge 1988, Mattern 1989: vector timestamps characterise causality ------------------

Deno.test("VectorClock: compare gives exactly the happened-before relation on random runs", () => {
  fc.assert(
    fc.property(causalScriptArbitrary({ maxNodes: 5, maxActions: 16 }), (script) => {
      const run = runCausalScript(script, { vector: (ctx) => new VectorClock(ctx.id) });
      return auditClock(run.truth, run.stamps.vector, compareVectors).mismatches === 0;
    }),
    RUNS,
  );
});

Deno.test("a vector clock compared by the sum of its entries orders concurrent events, and is caught", () => {
  const bySum = (a: VectorTimestamp, b: VectorTimestamp): CausalOrder => {
    const sum = (v: VectorTimestamp) => Object.values(v).reduce((s, x) => s + x, 0);
    return compareNumbers(sum(a), sum(b));
  };
  const outcome = fc.check(
    fc.property(causalScriptArbitrary(), (script) => {
      const run = runCausalScript(script, { vector: (ctx) => new VectorClock(ctx.id) });
      return auditClock(run.truth, run.stamps.vector, bySum).mismatches === 0;
    }),
    RUNS,
  );
  assert.equal(outcome.failed, true);
  const [script] = outcome.counterexample!;
  assert.ok(script.actions.length <= 2, JSON.stringify(script));
});

Deno.test("a vector clock that forgets to merge on receipt is caught", () => {
  class NoMerge implements CausalClock<VectorTimestamp> {
    readonly #clock: VectorClock;
    constructor(id: string) {
      this.#clock = new VectorClock(id);
    }
    tick = () => this.#clock.tick();
    send = () => this.#clock.send();
    receive = (_stamp: VectorTimestamp) => this.#clock.tick();
  }
  const outcome = fc.check(
    fc.property(causalScriptArbitrary(), (script) => {
      const run = runCausalScript(script, { vector: (ctx) => new NoMerge(ctx.id) });
      return auditClock(run.truth, run.stamps.vector, compareVectors).violations === 0;
    }),
    RUNS,
  );
  assert.equal(outcome.failed, true);
});

// ---- Kulkarni et al. 2014: HLC respects causality and stays near physical time ----------

Deno.test("HybridLogicalClock: a → b implies hlc(a) < hlc(b) on random runs with skewed, drifting clocks", () => {
  fc.assert(
    fc.property(skewedScripts, (script) => {
      const run = runCausalScript(script, {
        hlc: (ctx) => new HybridLogicalClock(() => ctx.now()),
      });
      return auditClock(run.truth, run.stamps.hlc, compareHlc).violations === 0;
    }),
    RUNS,
  );
});

Deno.test("HybridLogicalClock: wall time is never behind the node's clock, nor ahead of the fastest clock", () => {
  fc.assert(
    fc.property(skewedScripts, (script) => {
      const run = runCausalScript(script, {
        hlc: (ctx) => new HybridLogicalClock(() => ctx.now()),
      });
      return run.truth.events.every((event, i) => {
        const { wallMs } = run.stamps.hlc[i]!;
        const own = run.physicalMs[i]!;
        const fastest = Math.max(...run.nodeIds.map((id) => run.clockReading(id, event.t)));
        // l − pt ≤ ε: what the node adopted was read, earlier, on a clock no faster than the fastest now.
        return wallMs >= own && wallMs <= fastest + 1e-9;
      });
    }),
    RUNS,
  );
});

Deno.test("physical timestamps break causality once clocks are skewed", () => {
  const outcome = fc.check(
    fc.property(skewedScripts, (script) => {
      const run = runCausalScript(script, {});
      return auditClock(run.truth, run.physicalMs, compareNumbers).violations === 0;
    }),
    RUNS,
  );
  assert.equal(outcome.failed, true);
});
