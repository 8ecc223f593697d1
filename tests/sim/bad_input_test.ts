import assert from "node:assert/strict";
import { type Message, Simulation } from "../../lib/sim/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";

const quiet = () => ({ onMessage: () => {} });

function threeNodes(config: ConstructorParameters<typeof Simulation>[0] = {}): Simulation {
  const sim = new Simulation(config);
  sim.addNodes(["n1", "n2", "n3"], quiet);
  return sim;
}

Deno.test("A link override naming an unknown node fails when the run starts, with its path", () => {
  const sim = threeNodes({
    network: { links: [{ from: "n1", to: ["n2", "n9"], lossProbability: 1 }] },
  });
  assert.throws(() => sim.runUntil(10), {
    name: "ConfigError",
    message: 'network.links[0].to: no node "n9" (nodes: n1, n2, n3)',
  });
  const later = threeNodes();
  later.setLinks({ from: "nx", to: "n1", lossProbability: 1 });
  assert.throws(() => later.runUntil(10), { message: /^link\.from: no node "nx"/ });
});

Deno.test("A clock naming an unknown node fails when the run starts, with its path", () => {
  const sim = threeNodes({ clocks: { n4: { offsetMs: 5 } } });
  assert.throws(() => sim.runUntil(10), {
    name: "ConfigError",
    message: 'clocks.n4: no node "n4" (nodes: n1, n2, n3)',
  });
  // Known names run as before.
  threeNodes({ clocks: { n3: { offsetMs: 5 } } }).runUntil(10);
});

Deno.test("Overlapping partition groups are rejected, scheduled or applied directly", () => {
  assert.throws(
    () =>
      new Simulation({
        faults: [{ atMs: 1, kind: "partition", groups: [["n1", "n2"], ["n2", "n3"]] }],
      }),
    {
      name: "ConfigError",
      message: 'faults.0.groups.1.0: is already in groups[0]: groups must not overlap, got "n2"',
    },
  );
  const sim = threeNodes();
  assert.throws(() => sim.partition([["n1"], ["n1", "n3"]]), {
    message: 'partition.groups.1.0: is already in groups[0]: groups must not overlap, got "n1"',
  });
  assert.throws(() => sim.partition([["n1", "n1"], ["n3"]]), {
    message: 'partition.groups.0.1: is named twice in one group, got "n1"',
  });
  sim.partition([["n1"], ["n2", "n3"]]);
});

Deno.test("jumpClock refuses NaN and infinite steps", () => {
  const sim = threeNodes();
  for (const deltaMs of [NaN, Infinity, -Infinity]) {
    assert.throws(() => sim.jumpClock("n1", deltaMs), {
      name: "ConfigError",
      message: /^jumpClock\.deltaMs: /,
    });
  }
  assert.equal(sim.localTime("n1"), 0);
  sim.jumpClock("n1", -5);
  assert.equal(sim.localTime("n1"), -5);
});

Deno.test("A drift beyond any physical clock (over 1%) is rejected with its path", () => {
  assert.throws(() => new Simulation({ clocks: { n1: { driftPpm: 20_000 } } }), {
    message: "clocks.n1.driftPpm: must be between -10000 and 10000 ppm, got 20000",
  });
  const sim = new Simulation();
  assert.throws(() => sim.addNode("n1", quiet, { clock: { driftPpm: -1e6 } }), {
    message: "clocks.n1.driftPpm: must be between -10000 and 10000 ppm, got -1000000",
  });
});

Deno.test("Node ids that every object already has are refused", () => {
  for (const id of ["toString", "__proto__", "constructor", "hasOwnProperty", "valueOf"]) {
    const sim = new Simulation();
    assert.throws(() => sim.addNode(id, quiet), {
      message: `Cannot add node ${JSON.stringify(id)}: every object already has a property ` +
        "of that name",
    });
  }
  assert.throws(
    () => new Simulation({ faults: [{ atMs: 1, kind: "crash", node: "toString" }] }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.startsWith("faults.0.node: must not be a name every object has"),
  );
  assert.throws(() => new Simulation({ clocks: { toString: { offsetMs: 1 } } }), ConfigError);
});

Deno.test("runUntilTrue and runUntilQuiet refuse a NaN or past bound instead of running on", () => {
  const sim = new Simulation<Message>();
  sim.addNode("n1", (ctx) => ({
    start: () => ctx.setTimer(1, "tick"),
    onTimer: () => ctx.setTimer(1, "tick"),
    onMessage: () => {},
  }));
  for (const options of [{ untilMs: NaN }, { withinMs: NaN }, { withinMs: -1 }]) {
    assert.throws(() => sim.runUntilTrue(() => false, options), {
      name: "RangeError",
      message: /^Cannot run until the condition holds: (untilMs|withinMs) must be a number/,
    });
    assert.throws(() => sim.runUntilQuiet(options), { message: /^Cannot run until quiet: / });
  }
  assert.equal(sim.stats.events, 0);
});
