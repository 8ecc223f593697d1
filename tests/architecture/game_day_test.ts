/**
 * The game day: faults stay within the blast radius; without retries the steady-state
 * hypothesis fails within a few seeds; with one retry to another instance it holds over
 * 1,000 seeds while faults touch one instance at a time.
 */
import assert from "node:assert/strict";
import { faultIntervals, gameDay, gameDayTrial, steadyState } from "../../lib/architecture/mod.ts";
import { runTrial } from "../../lib/testing/mod.ts";

Deno.test("game-day: one retry keeps the steady state over 1,000 seeds, radius 1", () => {
  let faults = 0;
  for (let seed = 1; seed <= 1_000; seed++) {
    const { row } = runTrial(gameDayTrial, { retries: 1, runMs: 800, faultsUntilMs: 550 }, seed);
    assert.ok(row.withinBlastRadius, `seed ${seed}: a fault outside the blast radius`);
    assert.ok(row.hypothesisHeld, `seed ${seed}: worst window ${row.worstWindow}`);
    faults += row.faults;
  }
  assert.ok(faults > 500, `${faults} faults`); // teeth: the nemesis really hits
});

Deno.test("game-day: without retries the hypothesis fails within 5 seeds", () => {
  const rows = Array.from({ length: 5 }, (_, i) => gameDay.run({}, i + 1)[0]!);
  assert.ok(rows.some((row) => !row.hypothesisHeld));
  assert.ok(rows.every((row) => row.withinBlastRadius));
});

Deno.test("steadyState counts answers per window and judges after the warm-up", () => {
  const windows = steadyState([[10, 200], [20, 504], [150, 200]], {
    windowMs: 100,
    warmUpMs: 100,
    runMs: 300,
  });
  assert.deepEqual(windows.map((w) => [w.startMs, w.answers, w.success, w.judged]), [
    [0, 2, 0.5, false],
    [100, 1, 1, true],
    [200, 0, 1, true],
  ]);
});

Deno.test("faultIntervals pairs crashes with restarts and isolations with heals", () => {
  const intervals = faultIntervals([
    { atMs: 10, kind: "crash", node: "i1" },
    { atMs: 20, kind: "partition", groups: [["i2"], ["i1", "i3", "gateway"]] },
    { atMs: 30, kind: "restart", node: "i1" },
    { atMs: 40, kind: "heal" },
    { atMs: 50, kind: "pause", node: "i3" },
  ], 100);
  assert.deepEqual(intervals.map((f) => [f.kind, f.node, f.fromMs, f.toMs]), [
    ["crash", "i1", 10, 30],
    ["isolate", "i2", 20, 40],
    ["pause", "i3", 50, 100],
  ]);
});
