import assert from "node:assert/strict";
import { ClockConfigSchema, NodeClock, type NodeContext, Simulation } from "../../lib/mod.ts";

const close = (actual: number | undefined, expected: number, what = "") =>
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) < 1e-9,
    `${what}: ${actual}, expected ${expected}`,
  );

Deno.test("NodeClock reads trueTime × (1 + ppm/1e6) + offset, and jumps step it", () => {
  const clock = new NodeClock(ClockConfigSchema.parse({ offsetMs: 5, driftPpm: 1000 }));
  close(clock.read(0), 5);
  close(clock.read(1000), 1006);
  close(clock.errorAt(2000), 7);
  clock.jump(-10);
  close(clock.read(1000), 996);
  close(clock.trueDuration(1001), 1000);
  const perfect = new NodeClock(ClockConfigSchema.parse({}));
  assert.equal(perfect.read(1234.5), 1234.5);
  assert.equal(perfect.trueDuration(10), 10);
});

function clockSim() {
  const sim = new Simulation({
    seed: 1,
    clocks: {
      fast: { driftPpm: 10_000 },
      slow: { driftPpm: -5_000, offsetMs: -20 },
      skewed: { offsetMs: 250 },
    },
  });
  const contexts = new Map<string, NodeContext>();
  const fired = new Map<string, number[]>();
  sim.addNodes(["fast", "slow", "skewed", "exact"], (ctx) => {
    contexts.set(ctx.id, ctx);
    return {
      start: () => ctx.setTimer(100, "t"),
      onTimer: () => fired.set(ctx.id, [...(fired.get(ctx.id) ?? []), sim.now]),
      onMessage: () => {},
    };
  });
  return { sim, contexts, fired };
}

Deno.test("Simulation clocks: drift and offset move ctx.now() as configured", () => {
  const { sim, contexts } = clockSim();
  sim.runUntil(1000);
  close(contexts.get("fast")?.now(), 1010, "fast");
  close(contexts.get("slow")?.now(), 1000 * 0.995 - 20, "slow");
  close(contexts.get("skewed")?.now(), 1250, "skewed");
  close(contexts.get("exact")?.now(), 1000, "exact");
  close(sim.localTime("fast"), 1010, "localTime");
});

Deno.test("Simulation clocks: timers run in local time, so a fast clock fires early in true time", () => {
  const { sim, fired } = clockSim();
  sim.runUntil(1000);
  close(fired.get("fast")?.[0], 100 / 1.01, "fast");
  close(fired.get("slow")?.[0], 100 / 0.995, "slow");
  close(fired.get("skewed")?.[0], 100, "offset does not change durations");
  close(fired.get("exact")?.[0], 100, "exact");
});

Deno.test("Simulation clocks: a clock-jump fault steps ctx.now() and leaves pending timers alone", () => {
  const { sim, contexts, fired } = clockSim();
  sim.schedule([{ atMs: 50, kind: "clock-jump", node: "exact", deltaMs: -30 }]);
  sim.runUntil(49);
  close(contexts.get("exact")?.now(), 49);
  sim.runUntil(60);
  close(contexts.get("exact")?.now(), 30);
  sim.jumpClock("exact", 500);
  close(sim.localTime("exact"), 530);
  sim.runUntil(200);
  // Timers measure elapsed time (like a monotonic clock): the steps do not move them.
  close(fired.get("exact")?.[0], 100);
  assert.deepEqual(sim.trace.ofKind("clock-jump").map((r) => [r.t, r.node, r.deltaMs]), [
    [50, "exact", -30],
    [60, "exact", 500],
  ]);
});

Deno.test("Simulation clocks: addNode's clock option overrides the config's clocks entry", () => {
  const sim = new Simulation({ clocks: { n1: { offsetMs: 10 } } });
  sim.addNode("n1", () => ({ onMessage: () => {} }), { clock: { offsetMs: -7 } });
  assert.equal(sim.localTime("n1"), -7);
});
