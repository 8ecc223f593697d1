import assert from "node:assert/strict";
import fc from "fast-check";
import { map, type Observable } from "rxjs";
import {
  boundedQueue,
  intervalJoin,
  type Joined,
  type QueueOutcome,
  timedSource,
  tumblingWindows,
  type WindowSummary,
} from "../../lib/messaging/mod.ts";
import { SimulationScheduler } from "../../lib/resilience/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

function collect<T>(
  make: (scheduler: SimulationScheduler) => Observable<T>,
  untilMs = 10_000,
): T[] {
  const sim = new Simulation({ seed: 1 });
  const scheduler = new SimulationScheduler(sim);
  const out: T[] = [];
  sim.at(0, () =>
    make(scheduler).subscribe({
      next: (v) => out.push(v),
      error: (e) => {
        throw e;
      },
    }));
  sim.runUntil(untilMs);
  return out;
}

const times = fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 80 }).map((a) =>
  a.sort((x, y) => x - y)
);

Deno.test("tumbling windows count each value once, in the window of its arrival", () => {
  fc.assert(
    fc.property(times, fc.integer({ min: 5, max: 100 }), (ts, windowMs) => {
      const windows = collect<WindowSummary>((s) =>
        timedSource(ts.map((atMs) => ({ atMs, value: 1 })), s).pipe(
          map((e) => e.value),
          tumblingWindows(windowMs, s),
        )
      );
      assert.equal(windows.reduce((sum, w) => sum + w.count, 0), ts.length);
      for (const w of windows) {
        const expected = ts.filter((t) => t >= w.startMs && t < w.endMs).length;
        // bufferTime closes a window at its end time; a value arriving at exactly that time
        // may land on either side, in event order.
        const onEdge = ts.filter((t) => t === w.startMs || t === w.endMs).length;
        assert.ok(Math.abs(w.count - expected) <= onEdge);
      }
    }),
    { numRuns: 50 },
  );
});

Deno.test("a bounded queue never holds more than its capacity; an unbounded one's wait grows", () => {
  const arrivals = Array.from({ length: 200 }, (_, i) => ({ atMs: i * 2, value: i }));
  const run = (policy: "unbounded" | "drop-newest" | "drop-oldest") =>
    collect<QueueOutcome<number>>((s) =>
      timedSource(arrivals, s).pipe(
        map((e) => e.value),
        boundedQueue({ capacity: 10, serviceMs: 3, policy, scheduler: s }),
      )
    );
  for (const policy of ["drop-newest", "drop-oldest"] as const) {
    const out = run(policy);
    assert.equal(out.length, 200);
    assert.ok(out.every((o) => o.queueLength <= 10));
    const done = out.filter((o) => o.doneAtMs !== null);
    assert.ok(done.length < 200 && done.length > 100);
    assert.ok(done.every((o) => o.doneAtMs! - o.arrivedAtMs <= 3 * 11));
  }
  const unbounded = run("unbounded");
  assert.ok(unbounded.every((o) => o.doneAtMs !== null));
  const waits = unbounded.map((o) => o.doneAtMs! - o.arrivedAtMs);
  assert.ok(waits[199]! > 190 && waits[199]! > waits[0]!);
});

Deno.test("the interval join finds exactly the pairs a nested loop finds", () => {
  const side = fc.array(
    fc.record({ atMs: fc.integer({ min: 0, max: 300 }), key: fc.constantFrom("a", "b", "c") }),
    { maxLength: 30 },
  )
    .map((a) => a.sort((x, y) => x.atMs - y.atMs));
  fc.assert(
    fc.property(side, side, fc.integer({ min: 0, max: 50 }), (ls, rs, withinMs) => {
      let size = () => 0;
      const pairs = collect<Joined<{ key: string; i: number }, { key: string; i: number }>>((s) => {
        const join = intervalJoin(
          timedSource(ls.map((l, i) => ({ atMs: l.atMs, value: { key: l.key, i } })), s),
          timedSource(rs.map((r, i) => ({ atMs: r.atMs, value: { key: r.key, i } })), s),
          { leftKey: (v) => v.key, rightKey: (v) => v.key, withinMs },
        );
        size = join.stateSize;
        return join.joined$;
      });
      const got = pairs.map((p) => `${p.left.value.i}-${p.right.value.i}`).sort();
      const want: string[] = [];
      ls.forEach((l, i) =>
        rs.forEach((r, j) => {
          if (l.key === r.key && Math.abs(l.atMs - r.atMs) <= withinMs) want.push(`${i}-${j}`);
        })
      );
      assert.deepEqual(got, want.sort());
      assert.ok(size() <= ls.length + rs.length);
    }),
    { numRuns: 100 },
  );
});
