import assert from "node:assert/strict";
import {
  type HeartbeatMessage,
  HeartbeatMonitor,
  HeartbeatSender,
  type SuspicionChange,
  SuspicionLog,
} from "../../lib/membership/mod.ts";
import {
  type ClockConfigInput,
  type DistributionInput,
  type FaultInput,
  Simulation,
} from "../../lib/sim/mod.ts";

interface Setup {
  readonly latency: DistributionInput;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly faults?: FaultInput[];
  readonly fifo?: boolean;
  readonly monitorClock?: ClockConfigInput;
  readonly seed?: number;
}

function setup(options: Setup): { sim: Simulation<HeartbeatMessage>; log: SuspicionLog } {
  const sim = new Simulation<HeartbeatMessage>({
    seed: options.seed ?? 1,
    network: { latency: options.latency, fifo: options.fifo ?? false },
    faults: options.faults ?? [],
    clocks: options.monitorClock === undefined ? {} : { monitor: options.monitorClock },
  });
  const log = new SuspicionLog(sim);
  sim.addNode("monitor", (ctx) =>
    new HeartbeatMonitor(ctx, {
      monitored: ["n1"],
      timeoutMs: options.timeoutMs,
      observer: log.observe,
    }));
  sim.addNode(
    "n1",
    (ctx) =>
      new HeartbeatSender(ctx, { monitors: ["monitor"], intervalMs: options.intervalMs ?? 10 }),
  );
  return { sim, log };
}

Deno.test("HeartbeatMonitor never suspects with constant latency below the timeout", () => {
  const { sim, log } = setup({ latency: { kind: "constant", ms: 5 }, timeoutMs: 30 });
  sim.runUntil(10_000);
  assert.equal(log.records.length, 0);
  assert.equal(sim.node<HeartbeatMonitor>("monitor")?.isSuspected("n1"), false);
  // Heartbeats arrive every 10 ms with jitter below 20 ms: still never suspected.
  const jittery = setup({ latency: { kind: "uniform", minMs: 1, maxMs: 20 }, timeoutMs: 30 });
  jittery.sim.runUntil(10_000);
  assert.equal(jittery.log.falseSuspicions(), 0);
});

Deno.test("HeartbeatMonitor suspects a crashed node within timeout + interval", () => {
  for (const crashAtMs of [1000.5, 1003.5, 1009.9]) {
    const { sim, log } = setup({
      latency: { kind: "constant", ms: 5 },
      timeoutMs: 50,
      faults: [{ atMs: crashAtMs, kind: "crash", node: "n1" }],
    });
    sim.runUntilQuiet();
    assert.equal(log.records.length, 1);
    const [suspicion] = log.records;
    assert.equal(suspicion?.kind, "suspect");
    assert.equal(suspicion?.actuallyAlive, false);
    const detection = log.detectionMs("n1", crashAtMs) as number;
    assert.ok(detection > 0 && detection <= 50 + 10, `detected after ${detection} ms`);
    // Exactly: the last heartbeat was sent at 1000 and arrived at 1005.
    assert.ok(Math.abs(detection - (1005 + 50 - crashAtMs)) < 1e-9);
    assert.deepEqual(sim.node<HeartbeatMonitor>("monitor")?.suspects, ["n1"]);
  }
});

Deno.test("HeartbeatMonitor falsely suspects a live node under a heavy tail and a tight timeout", () => {
  const latency: DistributionInput = { kind: "lognormal", medianMs: 5, sigma: 1 };
  const tight = setup({ latency, timeoutMs: 40, fifo: true });
  tight.sim.runUntil(10_000);
  assert.ok(tight.log.falseSuspicions("n1") > 5, `${tight.log.falseSuspicions("n1")} false`);
  assert.ok(tight.log.records.every((r) => r.actuallyAlive));
  const loose = setup({ latency, timeoutMs: 400, fifo: true });
  loose.sim.runUntil(10_000);
  assert.equal(loose.log.falseSuspicions("n1"), 0);
});

Deno.test("HeartbeatMonitor trusts a suspected node again on its next heartbeat", () => {
  const { sim, log } = setup({
    latency: { kind: "lognormal", medianMs: 5, sigma: 1 },
    timeoutMs: 30,
    fifo: true,
  });
  sim.runUntil(5000);
  const kinds = log.records.map((r) => r.kind);
  assert.ok(kinds.length >= 4);
  kinds.forEach((kind, i) => assert.equal(kind, i % 2 === 0 ? "suspect" : "trust"));
  for (const record of log.records) {
    if (record.kind === "suspect") assert.ok(record.silentMs >= 30 - 1e-9);
  }
});

Deno.test("HeartbeatMonitor counts a paused node as alive: its suspicion is false", () => {
  const { sim, log } = setup({
    latency: { kind: "constant", ms: 5 },
    timeoutMs: 50,
    faults: [{ atMs: 1000, kind: "pause", node: "n1" }, { atMs: 1500, kind: "resume", node: "n1" }],
  });
  sim.runUntil(3000);
  assert.deepEqual(log.records.map((r) => [r.kind, r.actuallyAlive]), [["suspect", true], [
    "trust",
    true,
  ]]);
  assert.equal(log.falseSuspicions(), 1);
  const suspected = log.falselySuspectedMs("n1", 3000);
  // The pause at 1000 comes before that instant's heartbeat: the last one left at 990 and
  // landed at 995. Suspected at 1045, trusted when the resumed node's heartbeat lands at 1505.
  assert.ok(Math.abs(suspected - 460) < 1e-9, `${suspected}`);
  assert.ok(Math.abs((log.records[0]?.timeMs as number) - 1045) < 1e-9);
});

Deno.test("HeartbeatMonitor measures the timeout on its own clock", () => {
  const crash: FaultInput = { atMs: 1000.5, kind: "crash", node: "n1" };
  const exact = setup({ latency: { kind: "constant", ms: 5 }, timeoutMs: 100, faults: [crash] });
  exact.sim.runUntilQuiet();
  // A monitor clock 1% fast (the most a clock may drift): 100 ms of its clock pass in
  // 100 / 1.01 ms of true time.
  const fast = setup({
    latency: { kind: "constant", ms: 5 },
    timeoutMs: 100,
    faults: [crash],
    monitorClock: { driftPpm: 10_000 },
  });
  fast.sim.runUntilQuiet();
  assert.ok(Math.abs((exact.log.detectionMs("n1", 1000.5) as number) - 104.5) < 1e-6);
  assert.ok(Math.abs((fast.log.detectionMs("n1", 1000.5) as number) - (4.5 + 100 / 1.01)) < 1e-6);
});

Deno.test("HeartbeatMonitor suspects a node that never sends, timing from its own start", () => {
  const sim = new Simulation<HeartbeatMessage>({ seed: 1 });
  const changes: SuspicionChange[] = [];
  sim.addNode("monitor", (ctx) =>
    new HeartbeatMonitor(ctx, {
      monitored: ["n1", "n2"],
      timeoutMs: 40,
      observer: (change) => changes.push(change),
    }));
  sim.addNode("n1", () => ({ onMessage: () => {} }));
  sim.addNode("n2", (ctx) => new HeartbeatSender(ctx, { monitors: ["monitor"] }));
  sim.runUntil(500);
  assert.deepEqual(changes, [{
    kind: "suspect",
    monitor: "monitor",
    node: "n1",
    localTimeMs: 40,
    silentMs: 40,
  }]);
});

Deno.test("SuspicionLog.detectionMs is null while the node is not suspected at the end", () => {
  const { sim, log } = setup({ latency: { kind: "constant", ms: 5 }, timeoutMs: 50 });
  sim.runUntil(1000);
  assert.equal(log.detectionMs("n1", 500), null);
});

Deno.test("heartbeat runs are deterministic by seed", () => {
  const run = (seed: number) => {
    const { sim, log } = setup({
      latency: { kind: "pareto", scaleMs: 2, shape: 1.5 },
      timeoutMs: 30,
      seed,
      faults: [{ atMs: 2000, kind: "crash", node: "n1" }],
    });
    sim.runUntilQuiet();
    return { hash: sim.trace.hash(), records: log.records };
  };
  assert.deepEqual(run(3), run(3));
  assert.notEqual(run(3).hash, run(4).hash);
});

Deno.test("HeartbeatMonitor and HeartbeatSender reject bad options with their path", () => {
  const sim = new Simulation<HeartbeatMessage>();
  sim.addNode("monitor", (ctx) => new HeartbeatMonitor(ctx, { monitored: ["n1"], timeoutMs: -1 }));
  assert.throws(() => sim.runFor(1), /monitor\.timeoutMs: must be greater than 0 ms, got -1/);
  const other = new Simulation<HeartbeatMessage>();
  other.addNode("n1", (ctx) => new HeartbeatSender(ctx, { monitors: [] }));
  assert.throws(() => other.runFor(1), /sender\.monitors: must name at least one monitor/);
});
