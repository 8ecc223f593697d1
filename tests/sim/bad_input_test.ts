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

/** A run where n1 sends `message` to n2 at start; returns the error the run threw. */
function sendError(message: unknown, config: { record?: boolean } = {}): Error {
  const sim = new Simulation<Message>({ seed: 1, ...config });
  sim.addNode("n1", (ctx) => ({
    start: () => ctx.send("n2", message as Message),
    onMessage: () => {},
  }));
  sim.addNode("n2", quiet);
  try {
    sim.runUntilQuiet();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`sending ${String(message)} did not fail`);
}

Deno.test("Sending null, a non-object or a message without a string type fails clearly", () => {
  for (
    const [message, reason] of [
      [null, "a message must be an object with a string type, got null"],
      [undefined, "a message must be an object with a string type, got undefined"],
      ["ping", 'a message must be an object with a string type, got "ping"'],
      [[{ type: "x" }], "a message must be an object with a string type, got an array"],
      [{ kind: "ping" }, "a message must have a string type, got type undefined"],
    ] as const
  ) {
    const error = sendError(message);
    assert.match(error.message, /^Cannot start n1: /);
    assert.ok(
      error.message.includes(`Cannot send a message from n1 to n2: ${reason}`),
      error.message,
    );
  }
});

Deno.test("Cyclic and BigInt messages fail at send, naming where, traced or not", () => {
  const cyclic: Record<string, unknown> = { type: "loop", inner: { list: [] as unknown[] } };
  (cyclic.inner as { list: unknown[] }).list.push(cyclic);
  for (const record of [true, false]) {
    assert.match(
      sendError(cyclic, { record }).message,
      /it is cyclic: message\.inner\.list\[0\] holds one of its own containers/,
    );
    assert.match(
      sendError({ type: "big", value: { n: 10n } }, { record }).message,
      /message\.value\.n is a BigInt, which the trace cannot hold/,
    );
  }
  // The same object twice, not in a cycle, is fine.
  const shared = { x: 1 };
  const sim = new Simulation<Message>({ seed: 1 });
  sim.addNode("n1", (ctx) => ({
    start: () => ctx.send("n2", { type: "pair", a: shared, b: shared } as Message),
    onMessage: () => {},
  }));
  sim.addNode("n2", quiet);
  sim.runUntilQuiet();
  assert.equal(sim.trace.hash().length, 16);
});

Deno.test("Messages are frozen deeply: a receiver cannot change the sender's nested data", () => {
  type Entries = { type: "entries"; list: { value: number }[] };
  const held: Entries = { type: "entries", list: [{ value: 1 }] };
  const errors: string[] = [];
  const sim = new Simulation<Entries>({ seed: 1 });
  sim.addNode("n1", (ctx) => ({ start: () => ctx.send("n2", held), onMessage: () => {} }));
  sim.addNode("n2", () => ({
    onMessage: (_from, message) => {
      for (
        const mutate of [
          () => message.list.push({ value: 2 }),
          () => (message.list[0] as { value: number }).value = 9,
        ]
      ) {
        try {
          mutate();
        } catch (error) {
          errors.push((error as Error).name);
        }
      }
    },
  }));
  sim.runUntilQuiet();
  assert.deepEqual(held, { type: "entries", list: [{ value: 1 }] });
  assert.deepEqual(errors, ["TypeError", "TypeError"]);
});

Deno.test("A message sent again is checked again unless it was frozen by its first send", () => {
  // Unfrozen, the sender may change a message between two sends: the second is checked.
  const changed: { type: string; value: unknown } = { type: "note", value: 1 };
  const sim = new Simulation<Message>({ seed: 1, freezeMessages: false });
  sim.addNode("n1", (ctx) => ({
    start: () => {
      ctx.send("n2", changed);
      changed.value = 5n;
      ctx.send("n2", changed);
    },
    onMessage: () => {},
  }));
  sim.addNode("n2", quiet);
  assert.throws(() => sim.runUntilQuiet(), /message\.value is a BigInt/);
  // Frozen, the same message broadcast to every peer is sent, and traced, each time.
  const shared: Message = { type: "hello" };
  const broadcast = new Simulation<Message>({ seed: 1 });
  broadcast.addNodes(["n1", "n2", "n3"], (ctx) => ({
    start: () => {
      if (ctx.id === "n1") { for (const peer of ctx.peers) ctx.send(peer, shared); }
    },
    onMessage: () => {},
  }));
  broadcast.runUntilQuiet();
  assert.equal(broadcast.stats.deliveries, 2);
  assert.ok(Object.isFrozen(shared));
});

Deno.test("A partition of 40,000 nodes takes memory per node, not per pair of nodes", () => {
  // The cut links used to be an n × n byte matrix sized for 2n nodes: 6.4 GB here.
  const count = 40_000;
  const sim = new Simulation<Message>({ seed: 1, record: false });
  const ids = Array.from({ length: count }, (_, i) => `n${i}`);
  const received: string[] = [];
  sim.addNodes(ids, (ctx) => ({
    start: () => {
      if (ctx.id === "n0") ctx.setTimer(1, "go");
    },
    onTimer: () => {
      for (const to of ["n1", "n20000", "n39999"]) ctx.send(to, { type: "hello" });
    },
    onMessage: () => received.push(ctx.id),
  }));
  sim.partition([ids.slice(0, count / 2), ids.slice(count / 2)]);
  sim.partitionOneWay(["n0"], ["n1"]);
  sim.runUntilQuiet();
  assert.deepEqual(received, []);
  assert.equal(sim.stats.drops, 3);
  sim.heal();
  sim.addNode("late", quiet);
  sim.partition([["n0", "late"], ["n1"]]);
  sim.at(sim.now, (s) => s.partitionOneWay(["late"], ["n0"]));
  sim.runUntilQuiet();
});
