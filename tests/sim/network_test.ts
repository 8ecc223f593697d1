import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type DistributionInput,
  distributionMean,
  distributionQuantile,
  DistributionSchema,
  MAX_NODES,
  type NetworkConfigInput,
  NetworkConfigSchema,
  Simulation,
} from "../../lib/mod.ts";
import { Network } from "../../lib/sim/network.ts";
import { addSilentNodes, type Numbered } from "./helpers.ts";

const Z = 5;

/** Sends `count` messages from a to b, one every 0.01 ms, and runs until all have landed. */
function blast(
  network: NetworkConfigInput,
  count: number,
  seed = 1,
  record = false,
): Simulation<Numbered> {
  const sim = new Simulation<Numbered>({ seed, network, record });
  sim.addNode("a", (ctx) => ({
    start: () => ctx.setTimer(0, 0),
    onTimer: (n: number) => {
      ctx.send("b", { type: "n", n });
      if (n + 1 < count) ctx.setTimer(0.01, n + 1);
    },
    onMessage: () => {},
  }));
  sim.addNode("b", () => ({ onMessage: () => {} }));
  sim.runUntilQuiet();
  return sim;
}

/** |observed - expected| within Z standard errors of a binomial proportion. */
function assertRate(observed: number, trials: number, p: number, what: string): void {
  const tolerance = Z * Math.sqrt((p * (1 - p)) / trials);
  assert.ok(
    Math.abs(observed / trials - p) <= tolerance,
    `${what}: ${observed / trials}, expected ${p} ± ${tolerance}`,
  );
}

// ---- loss, duplication, latency -----------------------------------------------------------

Deno.test("Network loses messages at the configured lossProbability", () => {
  const n = 100_000;
  const sim = blast({ lossProbability: 0.1 }, n);
  assert.equal(sim.stats.sends, n);
  assert.equal(sim.stats.deliveries + sim.stats.drops, n);
  assertRate(sim.stats.drops, n, 0.1, "loss rate");
});

Deno.test("Network duplicates messages at the configured duplicateProbability", () => {
  const n = 100_000;
  const sim = blast({ duplicateProbability: 0.2 }, n);
  assert.equal(sim.stats.drops, 0);
  assertRate(sim.stats.deliveries - n, n, 0.2, "duplication rate");
});

Deno.test("Network loses each duplicate copy independently", () => {
  const n = 50_000;
  const sim = blast({ lossProbability: 0.3, duplicateProbability: 0.5 }, n, 4, true);
  const sends = sim.trace.ofKind("send");
  const copies = sends.reduce((sum, send) => sum + send.copies, 0);
  assertRate(copies - n, n, 0.5, "duplication rate");
  assert.equal(sim.stats.deliveries + sim.stats.drops, copies);
  assertRate(sim.stats.drops, copies, 0.3, "loss rate per copy");
  assert.ok(sim.trace.ofKind("drop").every((drop) => drop.reason === "loss"));
});

Deno.test("Network with zero probabilities neither loses nor duplicates", () => {
  const sim = blast({}, 10_000);
  assert.equal(sim.stats.deliveries, 10_000);
  assert.equal(sim.stats.drops, 0);
});

for (
  const latency of [
    { kind: "lognormal", medianMs: 5, sigma: 0.6, shiftMs: 1 },
    { kind: "uniform", minMs: 1, maxMs: 10 },
    { kind: "exponential", meanMs: 3 },
  ] satisfies DistributionInput[]
) {
  Deno.test(`Network latency matches the link's ${latency.kind} distribution in mean and quantiles`, () => {
    const n = 50_000;
    const distribution = DistributionSchema.parse(latency);
    const sim = blast({ latency }, n, 9, true);
    const latencies = sim.trace.messages().map((row) => row.latencyMs);
    assert.equal(latencies.length, n);
    const mean = latencies.reduce((sum, x) => sum + x, 0) / n;
    const variance = latencies.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1);
    const expected = distributionMean(distribution);
    assert.ok(
      Math.abs(mean - expected) <= Z * Math.sqrt(variance / n),
      `mean ${mean}, expected ${expected}`,
    );
    for (const q of [0.05, 0.5, 0.95, 0.99]) {
      const x = distributionQuantile(distribution, q);
      // The recorded latency is (send + sample) - send: allow for that rounding.
      const below = latencies.filter((latency) => latency <= x + 1e-9).length;
      assertRate(below, n, q, `fraction at or below the ${q} quantile`);
    }
  });
}

// ---- FIFO ---------------------------------------------------------------------------------

/** Sends numbered messages a → b at random gaps (often zero); returns b's arrival order. */
function arrivalOrder(seed: number, fifo: boolean, extra: NetworkConfigInput = {}): number[] {
  const received: number[] = [];
  const sim = new Simulation<Numbered>({
    seed,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 50 }, fifo, ...extra },
  });
  sim.addNode("a", (ctx) => ({
    start: () => ctx.setTimer(0, 0),
    onTimer: (n: number) => {
      ctx.send("b", { type: "n", n });
      if (n < 199) ctx.setTimer(ctx.random.chance(0.3) ? 0 : ctx.random.uniform(0, 5), n + 1);
    },
    onMessage: () => {},
  }));
  sim.addNode("b", () => ({ onMessage: (_from, message) => received.push(message.n) }));
  sim.runUntilQuiet();
  return received;
}

function isNonDecreasing(values: readonly number[]): boolean {
  return values.every((value, index) => index === 0 || (values[index - 1] as number) <= value);
}

Deno.test("Network FIFO links never reorder, for any seed, even with loss and duplication", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const plain = arrivalOrder(seed, true);
      assert.equal(plain.length, 200);
      assert.ok(isNonDecreasing(plain), `seed ${seed}: ${plain.join(" ")}`);
      const lossy = arrivalOrder(seed, true, { lossProbability: 0.2, duplicateProbability: 0.2 });
      assert.ok(isNonDecreasing(lossy), `seed ${seed} (lossy): ${lossy.join(" ")}`);
    }),
    { seed: 31, numRuns: 60 },
  );
});

Deno.test("Network non-FIFO links reorder messages under wide uniform latency", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const order = arrivalOrder(seed, false);
    assert.equal(order.length, 200);
    assert.ok(!isNonDecreasing(order), `seed ${seed} delivered in order`);
  }
});

// ---- per-link overrides ----------------------------------------------------------------

const SLOW: DistributionInput = { kind: "constant", ms: 50 };

function settingsGrid(sim: Simulation): Record<string, number> {
  const grid: Record<string, number> = {};
  for (const from of sim.nodeIds) {
    for (const to of sim.nodeIds) {
      if (from === to) continue;
      const settings = sim.linkSettings(from, to);
      grid[`${from}→${to}`] = settings.latency.kind === "constant" ? settings.latency.ms : -1;
    }
  }
  return grid;
}

function nodes4(network: NetworkConfigInput): Simulation {
  const sim = new Simulation({ network });
  addSilentNodes(sim, ["n1", "n2", "n3", "n4"]);
  return sim;
}

Deno.test("Network link overrides apply to exactly the chosen directed links", () => {
  const sim = nodes4({
    links: [{ from: "n1", to: ["n2", "n3"], latency: SLOW, lossProbability: 0.5 }],
  });
  const slow = Object.entries(settingsGrid(sim)).filter(([, ms]) => ms === 50).map(([link]) =>
    link
  );
  assert.deepEqual(slow, ["n1→n2", "n1→n3"]);
  assert.equal(sim.linkSettings("n1", "n2").lossProbability, 0.5);
  assert.equal(sim.linkSettings("n2", "n1").lossProbability, 0);
  // Fields the override does not name keep the defaults.
  assert.equal(sim.linkSettings("n1", "n2").fifo, false);
});

Deno.test("Network bidirectional overrides apply both ways", () => {
  const sim = nodes4({
    links: [{ from: ["n1", "n2"], to: "n4", bidirectional: true, latency: SLOW }],
  });
  const slow = Object.entries(settingsGrid(sim)).filter(([, ms]) => ms === 50).map(([link]) =>
    link
  );
  assert.deepEqual(slow, ["n1→n4", "n2→n4", "n4→n1", "n4→n2"]);
});

Deno.test("Network later overrides win field by field", () => {
  const sim = nodes4({
    links: [
      { from: "n1", to: "n2", latency: SLOW, lossProbability: 0.5 },
      { from: ["n1", "n3"], to: "n2", latency: { kind: "constant", ms: 7 } },
    ],
  });
  assert.deepEqual(sim.linkSettings("n1", "n2").latency, { kind: "constant", ms: 7 });
  assert.equal(sim.linkSettings("n1", "n2").lossProbability, 0.5);
  assert.equal(sim.linkSettings("n3", "n2").lossProbability, 0);
});

Deno.test("Simulation.setLinks changes links from now on and resetLinks restores the defaults", () => {
  const sim = new Simulation({ network: { latency: { kind: "constant", ms: 1 } } });
  const contexts = addSilentNodes(sim, ["a", "b", "c"]);
  const send = (atMs: number, from: string, to: string) =>
    sim.at(atMs, () => contexts.get(from)?.send(to, { type: "x" }));
  send(0, "a", "b");
  sim.at(5, (s) => s.setLinks({ from: "a", to: "b", latency: SLOW }));
  send(10, "a", "b");
  send(10, "a", "c");
  send(10, "b", "a");
  sim.at(20, (s) => s.resetLinks());
  send(20, "a", "b");
  sim.runUntilQuiet();
  const latencies = sim.trace.messages().map((row) =>
    `${row.from}→${row.to}@${row.sentAt}:${row.latencyMs}`
  );
  assert.deepEqual(latencies.sort(), ["a→b@0:1", "a→b@10:50", "a→b@20:1", "a→c@10:1", "b→a@10:1"]);
  assert.throws(() => sim.setLinks({ from: "a", to: "b", lossProbability: 2 }), {
    name: "ConfigError",
    message: "link.lossProbability: must be between 0 and 1, got 2",
  });
});

Deno.test("Network measured loss on an overridden link matches its own probability", () => {
  const n = 20_000;
  const sim = new Simulation<Numbered>({
    seed: 5,
    record: false,
    network: { links: [{ from: "a", to: "c", lossProbability: 0.5 }] },
  });
  sim.addNode("a", (ctx) => ({
    start: () => ctx.setTimer(0, 0),
    onTimer: (i: number) => {
      ctx.send("b", { type: "n", n: i });
      ctx.send("c", { type: "n", n: i });
      if (i + 1 < n) ctx.setTimer(0.01, i + 1);
    },
    onMessage: () => {},
  }));
  const received = { b: 0, c: 0 };
  sim.addNode("b", () => ({ onMessage: () => received.b++ }));
  sim.addNode("c", () => ({ onMessage: () => received.c++ }));
  sim.runUntilQuiet();
  assert.equal(received.b, n);
  assertRate(n - received.c, n, 0.5, "loss a→c");
});

Deno.test("Network.link caches per link and resolves again after nodes or overrides change", () => {
  const network = new Network(
    NetworkConfigSchema.parse({ links: [{ from: "x", to: "y", fifo: true }] }),
  );
  assert.equal(network.addNode("x"), 0);
  assert.equal(network.addNode("y"), 1);
  assert.equal(network.link(0, 1).fifo, true);
  assert.equal(network.link(1, 0).fifo, false);
  assert.equal(network.link(0, 1), network.link(0, 1));
  network.addOverride({ from: "y", to: "x", bidirectional: false, fifo: true });
  assert.equal(network.link(1, 0).fifo, true);
  network.clearOverrides();
  assert.equal(network.link(0, 1).fifo, false);
  assert.throws(() => network.settingsOf("x", "zz"), {
    name: "RangeError",
    message: "Cannot read link x → zz: no such node",
  });
  assert.equal(MAX_NODES, 65_536);
});

Deno.test("Network.cut, isCut, cutLinks and healAll track directed cuts as nodes are added", () => {
  const network = new Network(NetworkConfigSchema.parse({}));
  network.addNode("a");
  network.addNode("b");
  assert.equal(network.hasCuts, false);
  assert.equal(network.cut(0, 1), true);
  assert.equal(network.cut(0, 1), false);
  for (let i = 0; i < 20; i++) network.addNode(`m${i}`);
  assert.equal(network.isCut(0, 1), true, "a cut survived growing the matrix");
  assert.equal(network.isCut(1, 0), false);
  assert.equal(network.cut(21, 3), true);
  assert.deepEqual(network.cutLinks(), [["a", "b"], ["m19", "m1"]]);
  network.healAll();
  assert.equal(network.hasCuts, false);
  assert.deepEqual(network.cutLinks(), []);
});

// ---- partitions ---------------------------------------------------------------------------

/** Every node sends one message to every other node at `atMs`. */
function allToAll(
  sim: Simulation,
  contexts: ReturnType<typeof addSilentNodes>,
  atMs: number,
): void {
  sim.at(atMs, () => {
    for (const ctx of contexts.values()) for (const to of ctx.peers) ctx.send(to, { type: "x" });
  });
}

/** The fate of each message sent at `sentAt`, by link: "ok" or the drop reason. */
function fates(sim: Simulation, sentAt: number): Record<string, string> {
  const result: Record<string, string> = {};
  for (const row of sim.trace.messages()) {
    if (row.sentAt !== sentAt) continue;
    result[`${row.from}→${row.to}`] = row.delivered ? "ok" : row.reason ?? "?";
  }
  return result;
}

const FIVE = ["n1", "n2", "n3", "n4", "n5"];

function fiveNodes() {
  const sim = new Simulation({
    seed: 3,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 5 } },
  });
  const contexts = addSilentNodes(sim, FIVE);
  return { sim, contexts };
}

Deno.test("Simulation.partition blocks exactly the links between groups, both ways", () => {
  const { sim, contexts } = fiveNodes();
  // n5 is in no group: it still talks to everyone.
  sim.at(10, (s) => s.partition([["n1", "n2"], ["n3", "n4"]]));
  allToAll(sim, contexts, 20);
  sim.runUntil(50);
  const blocked = Object.entries(fates(sim, 20)).filter(([, fate]) => fate !== "ok");
  assert.deepEqual(blocked.map(([link]) => link).sort(), [
    "n1→n3",
    "n1→n4",
    "n2→n3",
    "n2→n4",
    "n3→n1",
    "n3→n2",
    "n4→n1",
    "n4→n2",
  ]);
  assert.ok(blocked.every(([, fate]) => fate === "partition"));
  assert.equal(Object.keys(fates(sim, 20)).length, 20);
  const record = sim.trace.ofKind("partition")[0];
  assert.equal(record?.description, "partition {n1 n2} | {n3 n4}");
  assert.equal(record?.links.length, 8);
});

Deno.test("Simulation.partitionOneWay blocks one direction only", () => {
  const { sim, contexts } = fiveNodes();
  sim.at(10, (s) => s.partitionOneWay(["n1"], ["n2", "n3"]));
  allToAll(sim, contexts, 20);
  sim.runUntil(50);
  const blocked = Object.entries(fates(sim, 20)).filter(([, fate]) => fate !== "ok");
  assert.deepEqual(blocked, [["n1→n2", "partition"], ["n1→n3", "partition"]]);
  assert.deepEqual(sim.trace.ofKind("partition")[0]?.links, [["n1", "n2"], ["n1", "n3"]]);
});

Deno.test("Simulation.heal restores delivery on every cut link", () => {
  const { sim, contexts } = fiveNodes();
  sim.at(10, (s) => s.partition([["n1"], ["n2", "n3", "n4", "n5"]]));
  sim.at(11, (s) => s.partitionOneWay(["n2"], ["n3"]));
  allToAll(sim, contexts, 20);
  sim.at(30, (s) => s.heal());
  allToAll(sim, contexts, 40);
  sim.runUntil(60);
  assert.equal(Object.values(fates(sim, 20)).filter((fate) => fate === "partition").length, 9);
  assert.ok(Object.values(fates(sim, 40)).every((fate) => fate === "ok"));
  assert.deepEqual(sim.trace.ofKind("heal").map((r) => r.t), [30]);
});

Deno.test("Simulation drops messages in flight when a partition starts, as partition, at arrival", () => {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: "constant", ms: 10 } } });
  const contexts = addSilentNodes(sim, ["a", "b", "c"]);
  sim.at(0, () => {
    contexts.get("a")?.send("b", { type: "cut" });
    contexts.get("b")?.send("a", { type: "cut" });
    contexts.get("a")?.send("c", { type: "spared" });
  });
  sim.at(5, (s) => s.partition([["a"], ["b"]]));
  sim.runUntil(20);
  const rows = sim.trace.messages().map((
    row,
  ) => [row.from, row.to, row.delivered, row.reason, row.endAt]);
  assert.deepEqual(rows, [
    ["a", "b", false, "partition", 10],
    ["b", "a", false, "partition", 10],
    ["a", "c", true, undefined, 10],
  ]);
});

Deno.test("Simulation drops messages in flight across a partition even if it heals before they arrive", () => {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: "constant", ms: 10 } } });
  const contexts = addSilentNodes(sim, ["a", "b"]);
  sim.at(0, () => contexts.get("a")?.send("b", { type: "early" }));
  sim.at(5, (s) => s.partitionOneWay(["a"], ["b"]));
  sim.at(7, (s) => s.heal());
  sim.at(8, () => contexts.get("a")?.send("b", { type: "late" }));
  sim.runUntil(30);
  const rows = sim.trace.messages().map((row) => [row.type, row.delivered, row.reason]);
  assert.deepEqual(rows, [["early", false, "partition"], ["late", true, undefined]]);
});

Deno.test("Simulation.partition rejects unknown nodes", () => {
  const { sim } = fiveNodes();
  assert.throws(() => sim.partition([["n1"], ["n9"]]), {
    name: "RangeError",
    message: 'Cannot partition "n9": no such node (nodes: n1, n2, n3, n4, n5)',
  });
});
