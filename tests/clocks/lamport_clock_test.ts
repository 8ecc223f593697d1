import assert from "node:assert/strict";
import fc from "fast-check";
import { compareNumbers, LamportClock, PhysicalClock } from "../../lib/clocks/mod.ts";

// ---- Lamport 1978, IR1: the counter goes up between any two events of a node --------------

Deno.test("LamportClock counts local events and sends one by one (IR1)", () => {
  const clock = new LamportClock();
  assert.equal(clock.time, 0);
  assert.equal(clock.tick(), 1);
  assert.equal(clock.send(), 2);
  assert.equal(clock.tick(), 3);
  assert.equal(clock.time, 3);
});

// ---- Lamport 1978, IR2: a receipt goes past the message's timestamp -----------------------

Deno.test("LamportClock jumps past a larger received timestamp (IR2)", () => {
  const clock = new LamportClock();
  assert.equal(clock.receive(7), 8);
  assert.equal(clock.time, 8);
});

Deno.test("LamportClock still counts a receipt of a smaller timestamp", () => {
  const clock = new LamportClock(10);
  assert.equal(clock.receive(3), 11);
});

Deno.test("LamportClock timestamps are strictly increasing on a node, whatever it receives", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant<"tick">("tick"), fc.nat({ max: 1000 })), { maxLength: 50 }),
      (steps) => {
        const clock = new LamportClock();
        let last = 0;
        for (const step of steps) {
          const stamp = step === "tick" ? clock.tick() : clock.receive(step);
          if (stamp <= last) return false;
          if (step !== "tick" && stamp <= step) return false;
          last = stamp;
        }
        return true;
      },
    ),
    { seed: 1, numRuns: 200 },
  );
});

Deno.test("LamportClock rejects bad starting points and timestamps", () => {
  assert.throws(() => new LamportClock(-1), RangeError);
  assert.throws(() => new LamportClock(1.5), RangeError);
  assert.throws(
    () => new LamportClock().receive(Number.NaN),
    new RangeError("Cannot receive Lamport timestamp NaN: it must be a whole number at least 0"),
  );
});

Deno.test("compareNumbers is a total order: before, after or equal, never concurrent", () => {
  assert.equal(compareNumbers(1, 2), "before");
  assert.equal(compareNumbers(2, 1), "after");
  assert.equal(compareNumbers(2, 2), "equal");
});

Deno.test("PhysicalClock stamps every event with the clock reading, ignoring messages", () => {
  let now = 5;
  const clock = new PhysicalClock(() => now);
  assert.equal(clock.tick(), 5);
  now = 7;
  assert.equal(clock.send(), 7);
  assert.equal(clock.receive(1000), 7);
  assert.throws(() => new PhysicalClock(5 as unknown as () => number), TypeError);
});
