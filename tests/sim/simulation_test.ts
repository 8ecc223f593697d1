import assert from "node:assert/strict";
import {
  ConfigError,
  type Message,
  type NodeContext,
  Simulation,
  SimulationError,
} from "../../lib/mod.ts";
import { addSilentNodes, BUSY_IDS, busyRun, type GossipNode } from "./helpers.ts";

// ---- determinism ------------------------------------------------------------------------

Deno.test("Simulation gives the same trace hash for the same seed on a busy run", () => {
  const a = busyRun(42);
  const b = busyRun(42);
  // The run really is busy: every fault and network effect happened.
  const kinds = new Set(a.trace.records.map((record) => record.kind));
  for (
    const kind of [
      "send",
      "deliver",
      "drop",
      "timer",
      "crash",
      "restart",
      "pause",
      "resume",
      "partition",
      "heal",
      "clock-jump",
      "note",
    ]
  ) {
    assert.ok(kinds.has(kind as never), `no ${kind} record`);
  }
  const reasons = new Set(a.trace.ofKind("drop").map((drop) => drop.reason));
  assert.deepEqual([...reasons].sort(), ["crashed", "loss", "partition"]);
  assert.ok(a.trace.ofKind("send").some((send) => send.copies === 2), "no duplicate");
  assert.ok(a.stats.deliveries > 100, `only ${a.stats.deliveries} deliveries`);
  assert.equal(a.trace.hash(), b.trace.hash());
  assert.equal(a.trace.length, b.trace.length);
  assert.deepEqual(a.stats, b.stats);
  for (const id of BUSY_IDS) {
    assert.deepEqual(a.node<GossipNode>(id)?.seen, b.node<GossipNode>(id)?.seen, id);
  }
});

Deno.test("Simulation gives different trace hashes for different seeds", () => {
  const hashes = new Set([1, 2, 3, 42, 4294967295].map((seed) => busyRun(seed).trace.hash()));
  assert.equal(hashes.size, 5);
});

Deno.test("Simulation built identically later in the same process matches an earlier one", () => {
  const first = busyRun(7).trace.hash();
  // Unrelated simulations in between must not leak state into the next one.
  busyRun(8);
  new Simulation({ seed: 7 }).runUntil(10);
  assert.equal(busyRun(7).trace.hash(), first);
});

// ---- crash and restart ------------------------------------------------------------------

type Counter = { type: "inc" };

interface CounterNode {
  volatile: number;
  timerFired: number;
  onMessage(from: string, message: Counter): void;
}

function counterSim() {
  const sim = new Simulation<Counter>({
    seed: 3,
    network: { latency: { kind: "constant", ms: 10 } },
  });
  const contexts: NodeContext<Counter, string>[] = [];
  sim.addNode<string>("server", (ctx) => {
    contexts.push(ctx);
    const node: CounterNode & { start(): void; onTimer(): void } = {
      volatile: 0,
      timerFired: 0,
      start() {
        ctx.setTimer(100, "tick");
      },
      onTimer() {
        node.timerFired++;
      },
      onMessage() {
        node.volatile++;
        ctx.storage.set("count", (ctx.storage.get<number>("count") ?? 0) + 1);
      },
    };
    return node;
  });
  const clients = addSilentNodes(sim, ["client"]);
  const send = (atMs: number) =>
    sim.at(atMs, () => clients.get("client")?.send("server", { type: "inc" }));
  return { sim, contexts, send };
}

Deno.test("Simulation.crash loses volatile state and pending timers; messages to it drop as crashed", () => {
  const { sim, send } = counterSim();
  send(0);
  send(1);
  sim.runUntil(20);
  assert.equal(sim.node<CounterNode>("server")?.volatile, 2);
  sim.crash("server");
  assert.equal(sim.status("server"), "crashed");
  assert.equal(sim.node("server"), undefined);
  send(30);
  sim.runUntil(200);
  assert.equal(sim.trace.ofKind("timer").length, 0, "the 100 ms timer set before the crash fired");
  const drops = sim.trace.ofKind("drop");
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.reason, "crashed");
  assert.equal(drops[0]?.t, 40);
  assert.equal(sim.trace.ofKind("crash")[0]?.t, 20);
});

Deno.test("Simulation.restart builds a fresh node that sees only durable storage", () => {
  const { sim, contexts, send } = counterSim();
  send(0);
  send(1);
  sim.runUntil(20);
  sim.crash("server");
  sim.runUntil(50);
  sim.restart("server");
  const node = sim.node<CounterNode>("server");
  assert.ok(node !== undefined);
  assert.equal(node.volatile, 0, "field state survived the crash");
  assert.equal(sim.storage("server").get("count"), 2);
  assert.equal(contexts.length, 2);
  assert.equal(contexts[0]?.incarnation, 1);
  assert.equal(contexts[1]?.incarnation, 2);
  assert.equal(contexts[1]?.storage.get("count"), 2);
  assert.deepEqual(sim.trace.ofKind("restart").map((r) => [r.t, r.incarnation]), [[50, 2]]);
  // The new incarnation's timer (set in start) fires; its clock counts from the restart.
  sim.runUntil(200);
  assert.equal(node.timerFired, 1);
  assert.deepEqual(sim.trace.ofKind("timer").map((timer) => timer.t), [150]);
  // The new incarnation draws from a different stream than the first did.
  assert.notEqual(contexts[0]?.random.path, contexts[1]?.random.path);
});

Deno.test("Simulation: contexts of dead incarnations cannot send, set timers or log", () => {
  const { sim, contexts } = counterSim();
  sim.runUntil(5);
  sim.crash("server");
  sim.restart("server");
  const dead = contexts[0] as NodeContext<Counter, string>;
  const before = sim.trace.length;
  sim.at(6, () => {
    dead.send("client", { type: "inc" });
    assert.equal(dead.setTimer(1, "late"), -1);
    dead.log("ghost");
  });
  sim.runUntil(10);
  assert.deepEqual(sim.trace.records.slice(before), []);
  assert.equal(sim.stats.sends, 0);
});

Deno.test("MemoryStorage copies values in and out, so later mutation does not change what is stored", () => {
  const { sim, contexts } = counterSim();
  sim.runUntil(0);
  const storage = contexts[0]?.storage;
  assert.ok(storage !== undefined);
  const value = { log: [1, 2], term: 3 };
  storage.set("state", value);
  value.log.push(99);
  value.term = 4;
  const read = storage.get<typeof value>("state");
  assert.deepEqual(read, { log: [1, 2], term: 3 });
  read!.log.push(7);
  assert.deepEqual(storage.get("state"), { log: [1, 2], term: 3 });
  assert.equal(storage.has("state"), true);
  assert.deepEqual(storage.keys(), ["state"]);
  storage.delete("state");
  assert.equal(storage.has("state"), false);
  assert.equal(storage.get("state"), undefined);
  assert.equal(storage.writeCount, 2);
});

Deno.test("Simulation rejects crash, restart, pause and resume from the wrong state", () => {
  const { sim } = counterSim();
  assert.throws(() => sim.restart("server"), /Cannot restart server: it has not started yet/);
  sim.runUntil(1);
  assert.throws(
    () => sim.restart("server"),
    /Cannot restart server: it is up, not crashed \(at 1\.000 ms\)/,
  );
  assert.throws(() => sim.resume("server"), /Cannot resume server: it is up, not paused/);
  sim.crash("server");
  assert.throws(() => sim.crash("server"), /Cannot crash server: it is already crashed/);
  assert.throws(() => sim.pause("server"), /Cannot pause server: it is crashed/);
  assert.throws(() => sim.crash("nobody"), {
    name: "RangeError",
    message: 'Cannot crash "nobody": no such node (nodes: server, client)',
  });
});

// ---- pause and resume -------------------------------------------------------------------

Deno.test("Simulation.pause defers messages and timers; resume handles them in arrival order", () => {
  type Note = { type: "note"; n: number };
  const handled: string[] = [];
  const sim = new Simulation<Note>({ seed: 1, network: { latency: { kind: "constant", ms: 5 } } });
  sim.addNode<string>("worker", (ctx) => ({
    start: () => {
      ctx.setTimer(22, "t22");
      ctx.setTimer(12, "t12");
    },
    onTimer: (name) => handled.push(`${name}@${ctx.now()}`),
    onMessage: (_from, message) => handled.push(`m${message.n}@${ctx.now()}`),
  }));
  const clients = addSilentNodes(sim, ["client"]);
  for (const [atMs, n] of [[0, 0], [5, 1], [15, 2], [8, 3]] as const) {
    sim.at(atMs, () => clients.get("client")?.send("worker", { type: "note", n }));
  }
  sim.at(6, (s) => s.pause("worker"));
  sim.at(40, (s) => s.resume("worker"));
  sim.runUntil(30);
  assert.equal(sim.status("worker"), "paused");
  assert.deepEqual(handled, ["m0@5"], "something was handled while paused");
  sim.runUntil(50);
  // Arrivals while paused: m1 at 10, t12 at 12, m3 at 13, m2 at 20, t22 at 22.
  assert.deepEqual(handled, ["m0@5", "m1@40", "t12@40", "m3@40", "m2@40", "t22@40"]);
  assert.deepEqual(
    sim.trace.ofKind("deliver").filter((d) => d.to === "worker").map((d) => [d.t, d.sentAt]),
    [
      [5, 0],
      [40, 5],
      [40, 8],
      [40, 15],
    ],
  );
  assert.deepEqual(sim.trace.ofKind("pause").map((r) => r.t), [6]);
  assert.deepEqual(sim.trace.ofKind("resume").map((r) => r.t), [40]);
});

Deno.test("Simulation: a node crashed while paused drops what waited for it, as crashed", () => {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: "constant", ms: 5 } } });
  const contexts = addSilentNodes(sim, ["a", "b"]);
  sim.at(0, () => contexts.get("a")?.send("b", { type: "x" }));
  sim.at(1, (s) => s.pause("b"));
  sim.at(10, (s) => s.crash("b"));
  sim.runUntil(20);
  const rows = sim.trace.messages();
  assert.equal(rows.length, 1, "the deferred message vanished without a record");
  assert.equal(rows[0]?.delivered, false);
  assert.equal(rows[0]?.reason, "crashed");
  assert.equal(rows[0]?.endAt, 10);
  assert.equal(sim.stats.drops, 1);
});

Deno.test("Simulation: a message that arrived while paused is delivered on resume even if partitioned since", () => {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: "constant", ms: 5 } } });
  const contexts = addSilentNodes(sim, ["a", "b"]);
  sim.at(0, () => contexts.get("a")?.send("b", { type: "x" }));
  sim.at(1, (s) => s.pause("b"));
  sim.at(10, (s) => s.partition([["a"], ["b"]]));
  sim.at(20, (s) => s.resume("b"));
  sim.runUntil(30);
  assert.deepEqual(sim.trace.messages().map((row) => [row.delivered, row.endAt]), [[true, 20]]);
});

// ---- run control ------------------------------------------------------------------------

function pinger(periodMs: number) {
  const sim = new Simulation({ seed: 9, network: { latency: { kind: "constant", ms: 1 } } });
  let ticks = 0;
  sim.addNode("n1", (ctx) => ({
    start: () => ctx.setTimer(periodMs, "tick"),
    onTimer: () => {
      ticks++;
      ctx.setTimer(periodMs, "tick");
    },
    onMessage: () => {},
  }));
  return { sim, ticks: () => ticks };
}

Deno.test("Simulation.runUntilTrue returns the virtual time the predicate first held", () => {
  const { sim, ticks } = pinger(10);
  assert.equal(sim.runUntilTrue(() => ticks() >= 3), 30);
  assert.equal(sim.now, 30);
  // Already true: returns now without running anything.
  const events = sim.stats.events;
  assert.equal(sim.runUntilTrue(() => true), 30);
  assert.equal(sim.stats.events, events);
});

Deno.test("Simulation.runUntilTrue fails with a liveness error naming seed, time and replay", () => {
  const sim = new Simulation({ seed: 77, replay: "deno task exp run demo --seed 77" });
  sim.addNode(
    "n1",
    (ctx) => ({
      start: () => ctx.setTimer(5, "t"),
      onTimer: () => ctx.setTimer(5, "t"),
      onMessage: () => {},
    }),
  );
  let error: unknown;
  try {
    sim.runUntilTrue(() => false, {
      withinMs: 100,
      description: "a leader is elected",
      explain: () => "1 of 1 nodes alone",
    });
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof SimulationError);
  assert.equal(error.kind, "liveness");
  assert.equal(error.seed, 77);
  assert.equal(error.timeMs, 100);
  assert.equal(error.replay, "deno task exp run demo --seed 77");
  const lines = error.message.split("\n");
  assert.equal(lines[0], "Cannot reach a leader is elected within 100 ms: 1 of 1 nodes alone");
  assert.equal(lines[1], "  seed 77, virtual time 100.000 ms, liveness");
  assert.equal(lines.at(-1), "  replay: deno task exp run demo --seed 77");
  assert.ok(lines.includes("  last events:"));
  // A liveness failure leaves a consistent state: the notebook may run on.
  sim.runFor(10);
  assert.equal(sim.now, 110);
});

Deno.test("Simulation.runUntilTrue without a replay line names the seed in its replay advice", () => {
  const sim = new Simulation({ seed: 5 });
  assert.throws(() => sim.runUntilTrue(() => false, { untilMs: 50 }), {
    name: "SimulationError",
    message:
      /Cannot reach the condition within 50 ms\n {2}seed 5, virtual time 50\.000 ms, liveness\n {2}replay: run again with seed 5/,
  });
});

Deno.test("Simulation.runUntilQuiet returns when nothing is pending and fails at the bound otherwise", () => {
  const sim = new Simulation({ seed: 2, network: { latency: { kind: "constant", ms: 7 } } });
  const contexts = addSilentNodes(sim, ["a", "b"]);
  sim.at(3, () => contexts.get("a")?.send("b", { type: "x" }));
  assert.equal(sim.runUntilQuiet(), 10);
  assert.equal(sim.pendingEvents, 0);

  const { sim: busy } = pinger(10);
  assert.throws(() => busy.runUntilQuiet({ withinMs: 95 }), (error: unknown) => {
    assert.ok(error instanceof SimulationError);
    assert.equal(error.kind, "liveness");
    assert.match(
      error.message,
      /^Cannot reach quiet within 95 ms: 1 timer still pending/,
    );
    return true;
  });
  assert.equal(busy.now, 90);
});

Deno.test("Simulation fails with bound-exceeded past maxEvents, and allows exactly maxEvents", () => {
  const bounded = new Simulation({ seed: 1, maxEvents: 10 });
  bounded.addNode(
    "n1",
    (ctx) => ({
      start: () => ctx.setTimer(1, "t"),
      onTimer: () => ctx.setTimer(1, "t"),
      onMessage: () => {},
    }),
  );
  assert.throws(() => bounded.runUntil(1000), (error: unknown) => {
    assert.ok(error instanceof SimulationError);
    assert.equal(error.kind, "bound-exceeded");
    assert.match(
      error.message,
      /^Cannot finish the run: it processed 10 events without reaching 1000 ms/,
    );
    return true;
  });
  // Exactly ten events (one start and nine timers) fit in a budget of ten.
  const exact = new Simulation({ seed: 1, maxEvents: 10 });
  let fired = 0;
  exact.addNode("n1", (ctx) => ({
    start: () => ctx.setTimer(1, "t"),
    onTimer: () => {
      if (++fired < 9) ctx.setTimer(1, "t");
    },
    onMessage: () => {},
  }));
  exact.runUntil(1000);
  assert.equal(exact.stats.events, 10);
  assert.equal(fired, 9);
});

Deno.test("Simulation turns a handler exception into a node-exception naming seed, time, event and replay", () => {
  type Ping = { type: "Ping"; n: number };
  const sim = new Simulation<Ping>({
    seed: 42,
    replay: "deno task exp run ping --seed 42",
    network: { latency: { kind: "constant", ms: 12.345 } },
  });
  sim.addNode(
    "n1",
    (ctx) => ({ start: () => ctx.send("n2", { type: "Ping", n: 1 }), onMessage: () => {} }),
  );
  sim.addNode("n2", () => ({
    onMessage: () => {
      throw new TypeError("boom");
    },
  }));
  let error: unknown;
  try {
    sim.runUntil(100);
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof SimulationError);
  assert.equal(error.kind, "node-exception");
  assert.equal(error.timeMs, 12.345);
  assert.ok(error.cause instanceof TypeError);
  const lines = error.message.split("\n");
  assert.equal(lines[0], "Cannot deliver Ping n=1 n1 → n2: TypeError: boom");
  assert.equal(lines[1], "  seed 42, virtual time 12.345 ms, node-exception");
  assert.equal(lines.at(-1), "  replay: deno task exp run ping --seed 42");
  // A half-updated node cannot be trusted: the simulation refuses to go on.
  assert.throws(
    () => sim.runUntil(200),
    /Cannot run: this simulation already failed at 12\.345 ms \(node-exception\); create a new one/,
  );
});

Deno.test("Simulation names timer, start and scheduled-action events in node exceptions", () => {
  const cases: [string, (sim: Simulation) => void][] = [
    [
      "Cannot fire timer election on n1: Error: t",
      (sim) =>
        sim.addNode("n1", (ctx) => ({
          start: () => ctx.setTimer(1, "election"),
          onTimer: () => {
            throw new Error("t");
          },
          onMessage: () => {},
        })),
    ],
    ["Cannot start n1: Error: s", (sim) =>
      sim.addNode("n1", () => ({
        start: () => {
          throw new Error("s");
        },
        onMessage: () => {},
      }))],
    ["Cannot run a scheduled action: Error: a", (sim) =>
      sim.at(3, () => {
        throw new Error("a");
      })],
  ];
  for (const [summary, setup] of cases) {
    const sim = new Simulation({ seed: 1 });
    setup(sim);
    assert.throws(() => sim.runUntil(10), (error: unknown) => {
      assert.ok(error instanceof SimulationError);
      assert.equal(error.kind, "node-exception");
      assert.equal(error.message.split("\n")[0], summary);
      return true;
    });
  }
});

Deno.test("Simulation.addInvariant fails the run with a safety error when a check breaks", () => {
  const { sim, ticks } = pinger(10);
  sim.addInvariant("fewer than 3 ticks", () => ticks() >= 3 ? `${ticks()} ticks` : undefined);
  assert.throws(() => sim.runUntil(100), (error: unknown) => {
    assert.ok(error instanceof SimulationError);
    assert.equal(error.kind, "safety");
    assert.equal(error.timeMs, 30);
    assert.match(
      error.message,
      /^Invariant "fewer than 3 ticks" broken: 3 ticks\n {2}seed 9, virtual time 30\.000 ms, safety/,
    );
    return true;
  });
});

Deno.test("Simulation.runUntil, runFor and step advance virtual time and refuse to go back", () => {
  const { sim, ticks } = pinger(10);
  sim.runUntil(25);
  assert.equal(sim.now, 25);
  assert.equal(ticks(), 2);
  sim.runFor(10);
  assert.equal(sim.now, 35);
  assert.equal(ticks(), 3);
  assert.equal(sim.step(), true);
  assert.equal(sim.now, 40);
  assert.equal(ticks(), 4);
  assert.throws(() => sim.runUntil(39), {
    name: "RangeError",
    message: "Cannot run until 39 ms: it is already 40 ms",
  });
  assert.throws(() => sim.at(39, () => {}), {
    name: "RangeError",
    message: "Cannot schedule an action at 39 ms: it is already 40 ms",
  });
  assert.equal(new Simulation().step(), false);
});

Deno.test("Simulation.addNode rejects bad ids, duplicates and non-functions, and bad clocks by path", () => {
  const sim = new Simulation();
  const factory = () => ({ onMessage: () => {} });
  assert.throws(() => sim.addNode("has space", factory), {
    name: "TypeError",
    message: 'Cannot add node "has space": ids are names without spaces',
  });
  assert.throws(() => sim.addNode("", factory), TypeError);
  sim.addNode("n1", factory);
  assert.throws(() => sim.addNode("n1", factory), {
    name: "TypeError",
    message: "Cannot add node n1: a node with that id already exists",
  });
  assert.throws(() => sim.addNode("n2", "nope" as never), /factory must be a function/);
  assert.throws(
    () => sim.addNode("n3", factory, { clock: { driftPpm: -1e6 } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues[0]?.path, "clocks.n3.driftPpm");
      return true;
    },
  );
  assert.deepEqual(sim.nodeIds, ["n1"]);
});

Deno.test("Simulation context exposes id, peers, node ids and sends frozen messages", () => {
  const sim = new Simulation<Message & { payload?: number[] }>({ seed: 1 });
  const seen: unknown[] = [];
  let sent: { type: string; payload: number[] } | undefined;
  sim.addNodes(["a", "b", "c"], (ctx) => ({
    start: () => {
      seen.push([ctx.id, [...ctx.peers], [...ctx.nodeIds], ctx.incarnation]);
      if (ctx.id === "a") {
        sent = { type: "m", payload: [1] };
        ctx.send("b", sent);
      }
    },
    onMessage: () => {},
  }));
  sim.runUntil(20);
  assert.deepEqual(seen, [
    ["a", ["b", "c"], ["a", "b", "c"], 1],
    ["b", ["a", "c"], ["a", "b", "c"], 1],
    ["c", ["a", "b"], ["a", "b", "c"], 1],
  ]);
  assert.ok(Object.isFrozen(sent));
  assert.throws(() => {
    (sent as { type: string }).type = "changed";
  }, TypeError);
});

Deno.test("Simulation context send to an unknown node and bad timer delays throw as node exceptions", () => {
  const sim = new Simulation({ seed: 1 });
  sim.addNode("a", (ctx) => ({ start: () => ctx.send("zz", { type: "x" }), onMessage: () => {} }));
  assert.throws(
    () => sim.runUntil(1),
    /Cannot start a: RangeError: Cannot send x to "zz": no such node/,
  );
  const timers = new Simulation({ seed: 1 });
  timers.addNode("a", (ctx) => ({ start: () => ctx.setTimer(-1, "t"), onMessage: () => {} }));
  assert.throws(
    () => timers.runUntil(1),
    /Cannot set a timer on a: delayMs must be a finite number at least 0, got -1/,
  );
});

Deno.test("Simulation context cancelTimer stops a pending timer and ignores unknown ids", () => {
  const fired: string[] = [];
  const sim = new Simulation({ seed: 1 });
  sim.addNode<string>("a", (ctx) => ({
    start: () => {
      const id = ctx.setTimer(10, "cancelled");
      ctx.setTimer(20, "kept");
      ctx.cancelTimer(id);
      ctx.cancelTimer(id);
      ctx.cancelTimer(12345);
    },
    onTimer: (name) => fired.push(name),
    onMessage: () => {},
  }));
  sim.runUntilQuiet();
  assert.deepEqual(fired, ["kept"]);
  assert.equal(sim.stats.timers, 1);
});

Deno.test("Simulation: a fired or cancelled timer's id cancels nothing later, whatever reuses its event", () => {
  // Handled events are reused for later messages and timers: an old timer id must still
  // name only its own timer. Timers fire, get cancelled, and are set again, many times.
  const fired: string[] = [];
  const sim = new Simulation({ seed: 3, network: { latency: { kind: "constant", ms: 1 } } });
  sim.addNode<string>("a", (ctx) => {
    const old: number[] = [];
    return {
      start: () => {
        old.push(ctx.setTimer(1, "first"));
        old.push(ctx.setTimer(5, "cancelled"));
        ctx.cancelTimer(old[1] as number);
      },
      onTimer: (name) => {
        fired.push(name);
        if (fired.length < 50) ctx.send("a", { type: "again" });
      },
      onMessage: () => {
        const next = ctx.setTimer(1, `timer-${fired.length}`);
        // Every earlier id, fired or cancelled, is stale: cancelling them must not touch
        // the timer just set, whichever event object it took.
        for (const id of old) ctx.cancelTimer(id);
        old.push(next);
        const doomed = ctx.setTimer(2, "doomed");
        ctx.cancelTimer(doomed);
        old.push(doomed);
      },
    };
  });
  sim.runUntilQuiet();
  assert.equal(fired.length, 50);
  assert.deepEqual(fired.slice(0, 3), ["first", "timer-1", "timer-2"]);
  assert.ok(!fired.includes("cancelled") && !fired.includes("doomed"));
});

Deno.test("Simulation.addNode during a run starts the node at the current virtual time", () => {
  const sim = new Simulation({ seed: 1, network: { latency: { kind: "constant", ms: 3 } } });
  const contexts = addSilentNodes(sim, ["a", "b"]);
  sim.runUntil(40);
  let startedAt = -1;
  sim.addNode("late", (ctx) => ({
    start: () => {
      startedAt = sim.now;
      ctx.send("a", { type: "hello" });
    },
    onMessage: () => {},
  }));
  sim.runUntil(50);
  assert.equal(startedAt, 40);
  assert.equal(sim.status("late"), "up");
  assert.deepEqual(sim.trace.ofKind("start").map((r) => [r.node, r.t]), [["a", 0], ["b", 0], [
    "late",
    40,
  ]]);
  assert.deepEqual(sim.trace.ofKind("deliver").map((r) => [r.from, r.to, r.t]), [[
    "late",
    "a",
    43,
  ]]);
  assert.ok(contexts.get("a")?.nodeIds.includes("late"));
});

Deno.test("Simulation liveness errors round the bound to three decimals", () => {
  const sim = new Simulation({ seed: 5 });
  sim.runFor(0.1 + 0.2); // now = 0.30000000000000004
  assert.throws(() => sim.runUntilTrue(() => false, { withinMs: 7439.519 }), {
    message: /^Cannot reach the condition within 7439\.519 ms \(by 7439\.819 ms\)\n/,
  });
});

Deno.test("Simulation.runUntilQuiet ignores cancelled timers beyond its bound", () => {
  const sim = new Simulation({ seed: 1 });
  sim.addNode("n1", (ctx) => ({
    start: () => ctx.cancelTimer(ctx.setTimer(1000, "never")),
    onMessage: () => {},
  }));
  assert.equal(sim.runUntilQuiet({ untilMs: 10 }), 0);
});
