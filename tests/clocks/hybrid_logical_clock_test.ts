import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareHlc,
  decodeHlc,
  encodeHlc,
  formatHlc,
  hlcSize,
  HybridLogicalClock,
} from "../../lib/clocks/mod.ts";

/** A clock whose physical reading the test sets by hand. */
function manual(start = 0) {
  const physical = { ms: start };
  return { physical, clock: new HybridLogicalClock(() => physical.ms) };
}

// ---- Kulkarni et al. 2014, figure 5: send and local events ---------------------------------

Deno.test("HybridLogicalClock follows physical time while it moves, counter at 0", () => {
  const { physical, clock } = manual(10);
  assert.deepEqual(clock.tick(), { wallMs: 10, logical: 0 });
  physical.ms = 12;
  assert.deepEqual(clock.send(), { wallMs: 12, logical: 0 });
});

Deno.test("HybridLogicalClock counts events that share a physical reading", () => {
  const { clock } = manual(10);
  clock.tick();
  assert.deepEqual(clock.tick(), { wallMs: 10, logical: 1 });
  assert.deepEqual(clock.send(), { wallMs: 10, logical: 2 });
});

// ---- Kulkarni et al. 2014, figure 5: receive events ----------------------------------------

Deno.test("HybridLogicalClock adopts a message's wall time from ahead, counting past it", () => {
  const { clock } = manual(10);
  assert.deepEqual(clock.receive({ wallMs: 50, logical: 3 }), { wallMs: 50, logical: 4 });
  // Physical time has not caught up: the node keeps counting at the adopted wall time.
  assert.deepEqual(clock.tick(), { wallMs: 50, logical: 5 });
});

Deno.test("HybridLogicalClock passes both counters when its wall time equals the message's", () => {
  const { clock } = manual(10);
  clock.receive({ wallMs: 50, logical: 1 });
  clock.tick(); // 50,3
  assert.deepEqual(clock.receive({ wallMs: 50, logical: 7 }), { wallMs: 50, logical: 8 });
  assert.deepEqual(clock.receive({ wallMs: 50, logical: 2 }), { wallMs: 50, logical: 9 });
});

Deno.test("HybridLogicalClock keeps its own wall time over an older message's", () => {
  const { clock } = manual(30);
  clock.tick();
  assert.deepEqual(clock.receive({ wallMs: 20, logical: 9 }), { wallMs: 30, logical: 1 });
});

Deno.test("HybridLogicalClock restarts its counter when physical time overtakes everything", () => {
  const { physical, clock } = manual(10);
  clock.receive({ wallMs: 15, logical: 4 });
  physical.ms = 20;
  assert.deepEqual(clock.receive({ wallMs: 18, logical: 2 }), { wallMs: 20, logical: 0 });
});

Deno.test("HybridLogicalClock rounds physical readings down to its resolution", () => {
  const physical = { ms: 10.7 };
  const clock = new HybridLogicalClock(() => physical.ms, { resolutionMs: 1 });
  assert.deepEqual(clock.tick(), { wallMs: 10, logical: 0 });
  physical.ms = 10.9;
  assert.deepEqual(clock.tick(), { wallMs: 10, logical: 1 });
  assert.throws(() => new HybridLogicalClock(() => 0, { resolutionMs: -1 }), RangeError);
});

Deno.test("HybridLogicalClock stamps increase on a node and stay at or ahead of physical time", () => {
  const step = fc.oneof(
    fc.record({ advanceMs: fc.integer({ min: 0, max: 5 }), kind: fc.constant("tick") }),
    fc.record({
      advanceMs: fc.integer({ min: 0, max: 5 }),
      kind: fc.constant("receive"),
      wallMs: fc.integer({ min: 0, max: 100 }),
      logical: fc.nat({ max: 5 }),
    }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const { physical, clock } = manual(0);
      let last: { wallMs: number; logical: number } | undefined;
      for (const s of steps) {
        physical.ms += s.advanceMs;
        const stamp = s.kind === "tick"
          ? clock.tick()
          : clock.receive({ wallMs: s.wallMs as number, logical: s.logical as number });
        if (stamp.wallMs < physical.ms) return false;
        if (last !== undefined && compareHlc(last, stamp) !== "before") return false;
        if (s.kind === "receive") {
          const received = { wallMs: s.wallMs as number, logical: s.logical as number };
          if (compareHlc(received, stamp) !== "before") return false;
        }
        last = stamp;
      }
      return true;
    }),
    { seed: 5, numRuns: 300 },
  );
});

Deno.test("compareHlc orders by wall time, then counter", () => {
  assert.equal(compareHlc({ wallMs: 1, logical: 9 }, { wallMs: 2, logical: 0 }), "before");
  assert.equal(compareHlc({ wallMs: 2, logical: 1 }, { wallMs: 2, logical: 0 }), "after");
  assert.equal(compareHlc({ wallMs: 2, logical: 1 }, { wallMs: 2, logical: 1 }), "equal");
  assert.throws(() => compareHlc({ wallMs: 1, logical: -1 }, { wallMs: 1, logical: 0 }), TypeError);
});

Deno.test("formatHlc and encodeHlc: text and a size that does not depend on the cluster", () => {
  assert.equal(formatHlc({ wallMs: 12.3456, logical: 1 }), "12.346,1");
  const stamp = { wallMs: 1234.5, logical: 300 };
  assert.equal(encodeHlc(stamp).length, 10);
  assert.equal(hlcSize(stamp), 10);
  assert.deepEqual(decodeHlc(encodeHlc(stamp)), stamp);
  assert.throws(() => decodeHlc(new Uint8Array(3)), RangeError);
});
