import assert from "node:assert/strict";
import fc from "fast-check";
import { Random, Simulation, type TraceRecord } from "../../lib/mod.ts";
import { generateNemesis } from "../../lib/sim/faults.ts";

type Chat = { type: "chat"; n: number };

const IDS = ["n1", "n2", "n3", "n4"];

/** Nodes chatter at random until 1500 ms of their own clock; a nemesis hurts them until 2000 ms. */
function sweepRun(seed: number): Simulation<Chat> {
  const random = new Random(seed);
  const faults = generateNemesis(
    {
      nodes: IDS,
      endMs: 2000,
      meanGapMs: 80,
      meanDurationMs: 120,
      kinds: ["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"],
    },
    random.child("nemesis"),
  );
  const sim = new Simulation<Chat>({
    seed,
    network: {
      latency: { kind: "lognormal", medianMs: 4, sigma: 1, shiftMs: 0.5 },
      lossProbability: 0.05,
      duplicateProbability: 0.05,
      links: [{ from: "n1", to: "n2", fifo: true, bidirectional: true }],
    },
    clocks: { n3: { driftPpm: 300, offsetMs: 12 } },
    faults,
  });
  sim.addNodes<string>(IDS, (ctx) => {
    let n = 0;
    return {
      start: () => ctx.setTimer(ctx.random.uniform(0, 10), "chat"),
      onTimer: () => {
        ctx.send(ctx.random.pick(ctx.peers), { type: "chat", n: n++ });
        if (ctx.now() < 1500) ctx.setTimer(ctx.random.exponential(5), "chat");
      },
      onMessage: (from, message) => {
        if (message.n % 3 === 0) ctx.send(from, { type: "chat", n: message.n + 1 });
      },
    };
  });
  sim.runUntil(2000);
  sim.runUntilQuiet({ withinMs: 10_000 });
  return sim;
}

/** Every way a run could contradict the simulator's model, in words (empty when none). */
function violations(sim: Simulation<Chat>): string[] {
  const problems: string[] = [];
  const records = sim.trace.records;
  const status = new Map<string, "up" | "crashed" | "paused">();
  const fates = new Map<string, number>();
  const copiesSent = new Map<number, number>();
  const fifoLast = new Map<string, number>();
  let last = 0;
  const count = (kind: TraceRecord["kind"]) => records.filter((r) => r.kind === kind).length;
  for (const record of records) {
    if (record.t < last) problems.push(`time went back to ${record.t} after ${last}`);
    last = record.t;
    switch (record.kind) {
      case "start":
      case "restart":
      case "resume":
        status.set(record.node, "up");
        break;
      case "crash":
        status.set(record.node, "crashed");
        break;
      case "pause":
        status.set(record.node, "paused");
        break;
      case "send":
        copiesSent.set(record.msgId, record.copies);
        if (status.get(record.from) !== "up") {
          problems.push(`${record.from} sent while ${status.get(record.from)}`);
        }
        break;
      case "timer":
        if (status.get(record.node) !== "up") {
          problems.push(`${record.node} timer while ${status.get(record.node)}`);
        }
        break;
      case "deliver": {
        if (status.get(record.to) !== "up") {
          problems.push(`delivered to ${record.to} while ${status.get(record.to)}`);
        }
        if (record.t < record.sentAt + 0.5) {
          problems.push(`message ${record.msgId} faster than the 0.5 ms shift`);
        }
        const link = `${record.from}→${record.to}`;
        if (link === "n1→n2" || link === "n2→n1") {
          const message = record.message as Chat;
          // FIFO per link: a later send never overtakes an earlier one (ids grow with send order).
          if ((fifoLast.get(link) ?? -1) > record.msgId) {
            problems.push(`FIFO broken on ${link} at ${record.t} (n=${message.n})`);
          }
          fifoLast.set(link, record.msgId);
        }
        const key = `${record.msgId}/${record.copy}`;
        fates.set(key, (fates.get(key) ?? 0) + 1);
        break;
      }
      case "drop": {
        if (record.reason === "crashed" && status.get(record.to) !== "crashed") {
          problems.push(`drop as crashed but ${record.to} is ${status.get(record.to)}`);
        }
        const key = `${record.msgId}/${record.copy}`;
        fates.set(key, (fates.get(key) ?? 0) + 1);
        break;
      }
    }
  }
  for (const [msgId, copies] of copiesSent) {
    for (let copy = 0; copy < copies; copy++) {
      const fate = fates.get(`${msgId}/${copy}`) ?? 0;
      if (fate !== 1) problems.push(`message ${msgId} copy ${copy} ended ${fate} times`);
    }
  }
  const stats = sim.stats;
  if (stats.sends !== count("send")) problems.push(`stats.sends ${stats.sends} ≠ ${count("send")}`);
  if (stats.deliveries !== count("deliver")) {
    problems.push(`stats.deliveries ${stats.deliveries} ≠ ${count("deliver")}`);
  }
  if (stats.drops !== count("drop")) problems.push(`stats.drops ${stats.drops} ≠ ${count("drop")}`);
  if (stats.timers !== count("timer")) {
    problems.push(`stats.timers ${stats.timers} ≠ ${count("timer")}`);
  }
  return problems.slice(0, 5);
}

Deno.test("Simulation keeps its model under random faults: time, fates, statuses, FIFO, stats", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const sim = sweepRun(seed);
      assert.ok(
        sim.stats.deliveries > 100,
        `seed ${seed}: only ${sim.stats.deliveries} deliveries`,
      );
      assert.deepEqual(violations(sim), [], `seed ${seed}`);
    }),
    { seed: 2024, numRuns: 40 },
  );
});

Deno.test("Simulation sweep runs are reproducible seed by seed", () => {
  for (const seed of [3, 99]) {
    assert.equal(sweepRun(seed).trace.hash(), sweepRun(seed).trace.hash());
  }
});
