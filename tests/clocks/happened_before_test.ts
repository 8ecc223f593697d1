import assert from "node:assert/strict";
import fc from "fast-check";
import { type CausalOrder, happenedBefore, runCausalScript } from "../../lib/clocks/mod.ts";
import { Simulation, type TraceRecord } from "../../lib/sim/mod.ts";
import { causalScriptArbitrary } from "../../lib/exercises/arbitraries.ts";

/**
 * The naive twin: events read straight from the records, edges from per-node order and
 * msgId, then the transitive closure by Floyd–Warshall. Returns relation(i, j).
 */
function bruteForce(records: readonly TraceRecord[]): (i: number, j: number) => CausalOrder {
  const nodes: string[] = [];
  const sendIndex = new Map<number, number>();
  const edges: [number, number][] = [];
  const lastOn = new Map<string, number>();
  let n = 0;
  const event = (node: string): number => {
    const index = n++;
    const previous = lastOn.get(node);
    if (previous !== undefined) edges.push([previous, index]);
    lastOn.set(node, index);
    if (!nodes.includes(node)) nodes.push(node);
    return index;
  };
  for (const record of records) {
    if (record.kind === "send") sendIndex.set(record.msgId, event(record.from));
    else if (record.kind === "deliver") {
      const index = event(record.to);
      edges.push([sendIndex.get(record.msgId)!, index]);
    } else if (record.kind === "note") event(record.node);
  }
  const reach = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [a, b] of edges) reach[a]![b] = true;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      if (!reach[i]![k]) continue;
      for (let j = 0; j < n; j++) if (reach[k]![j]) reach[i]![j] = true;
    }
  }
  return (i, j) =>
    i === j ? "equal" : reach[i]![j] ? "before" : reach[j]![i] ? "after" : "concurrent";
}

Deno.test("happenedBefore agrees with a brute-force transitive closure on random small traces", () => {
  fc.assert(
    fc.property(causalScriptArbitrary({ maxNodes: 4, maxActions: 14 }), (script) => {
      const run = runCausalScript(script, {});
      const records = run.simulation.trace.records;
      const truth = happenedBefore(records);
      const expected = bruteForce(records);
      for (let i = 0; i < truth.events.length; i++) {
        for (let j = 0; j < truth.events.length; j++) {
          if (truth.relation(i, j) !== expected(i, j)) return false;
        }
      }
      return true;
    }),
    { seed: 11, numRuns: 150 },
  );
});

Deno.test("happenedBefore counts ordered and concurrent pairs like the brute force", () => {
  fc.assert(
    fc.property(causalScriptArbitrary(), (script) => {
      const records = runCausalScript(script, {}).simulation.trace.records;
      const truth = happenedBefore(records);
      const expected = bruteForce(records);
      let ordered = 0;
      const n = truth.events.length;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (expected(i, j) !== "concurrent") ordered++;
        }
      }
      const summary = truth.summary();
      return summary.ordered === ordered && summary.concurrent === n * (n - 1) / 2 - ordered;
    }),
    { seed: 12, numRuns: 100 },
  );
});

Deno.test("happenedBefore: sends, receipts and notes are the events; timers and starts are not", () => {
  type Msg = { type: "ping" } | { type: "pong" };
  const sim = new Simulation<Msg>({
    seed: 1,
    network: { latency: { kind: "constant", ms: 5 } },
  });
  sim.addNode("a", (ctx) => ({
    start: () => ctx.setTimer(1, "go"),
    onTimer: () => {
      ctx.log("about to ping");
      ctx.send("b", { type: "ping" });
    },
    onMessage: () => ctx.log("got pong"),
  }));
  sim.addNode("b", (ctx) => ({
    onMessage: (from) => ctx.send(from, { type: "pong" }),
  }));
  sim.runUntilQuiet();
  const truth = happenedBefore(sim.trace);
  assert.deepEqual(
    truth.events.map((e) => e.label),
    [
      "a about to ping",
      "a send ping to b",
      "b receive ping from a",
      "b send pong to a",
      "a receive pong from b",
      "a got pong",
    ],
  );
  assert.deepEqual(truth.nodes, ["a", "b"]);
  assert.equal(truth.before(0, 5), true);
  assert.equal(truth.relation(4, 1), "after");
  assert.deepEqual(truth.pastCounts(4), [3, 2]);
  assert.equal(truth.sendOf(2)?.label, "a send ping to b");
  assert.equal(truth.sendOf(1), undefined);
  assert.equal(happenedBefore(sim.trace, { notes: false }).events.length, 4);
  assert.deepEqual(truth.summary(), { events: 6, pairs: 15, ordered: 15, concurrent: 0 });
});

Deno.test("happenedBefore: a duplicated message is received twice, a lost one never", () => {
  type Msg = { type: "m"; n: number };
  const sim = new Simulation<Msg>({ seed: 1, network: { duplicateProbability: 1 } });
  sim.addNode("a", (ctx) => ({
    start: () => ctx.send("b", { type: "m", n: 1 }),
    onMessage: () => {},
  }));
  sim.addNode("b", () => ({ onMessage: () => {} }));
  sim.runUntilQuiet();
  const truth = happenedBefore(sim.trace);
  assert.deepEqual(truth.events.map((e) => e.kind), ["send", "receive", "receive"]);
  assert.equal(truth.before(0, 2), true);
  assert.equal(truth.before(1, 2), true); // the two receipts are ordered on b

  const lossy = new Simulation<Msg>({ seed: 1, network: { lossProbability: 1 } });
  lossy.addNode("a", (ctx) => ({
    start: () => {
      ctx.send("b", { type: "m", n: 1 });
      ctx.log("after");
    },
    onMessage: () => {},
  }));
  lossy.addNode("b", (ctx) => ({ start: () => ctx.log("alone"), onMessage: () => {} }));
  lossy.runUntilQuiet();
  const lost = happenedBefore(lossy.trace);
  assert.equal(lost.events.length, 3);
  assert.equal(lost.summary().concurrent, 2);
});

Deno.test("happenedBefore spans a node's restarts: one process, one order", () => {
  type Msg = { type: "m" };
  const sim = new Simulation<Msg>({
    seed: 1,
    faults: [{ atMs: 10, kind: "crash", node: "a" }, { atMs: 20, kind: "restart", node: "a" }],
  });
  sim.addNode(
    "a",
    (ctx) => ({ start: () => ctx.log(`up ${ctx.incarnation}`), onMessage: () => {} }),
  );
  sim.runUntilQuiet();
  const truth = happenedBefore(sim.trace);
  assert.equal(truth.events.length, 2);
  assert.equal(truth.relation(0, 1), "before");
});

Deno.test("happenedBefore refuses a delivery whose send is missing, and bad input", () => {
  const deliver: TraceRecord = {
    kind: "deliver",
    t: 3,
    from: "a",
    to: "b",
    msgId: 7,
    copy: 0,
    type: "m",
    message: { type: "m" },
    sentAt: 1,
  };
  assert.throws(
    () => happenedBefore([deliver]),
    new RangeError(
      "Cannot compute happened-before: message 7 (m, a → b) was delivered at 3 ms but its send is not in the trace",
    ),
  );
  assert.throws(() => happenedBefore(42 as unknown as TraceRecord[]), TypeError);
  const truth = happenedBefore([]);
  assert.throws(() => truth.before(0, 1), RangeError);
  assert.throws(() => truth.eventsOf("x"), RangeError);
});
