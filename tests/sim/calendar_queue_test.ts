import assert from "node:assert/strict";
import fc from "fast-check";
import { CalendarQueue } from "../../lib/sim/calendar_queue.ts";
import { Random } from "../../lib/sim/mod.ts";
import { compareWithModel, type Item, scriptArbitrary } from "./queue_model.ts";

Deno.test("CalendarQueue pops in (time, seq) order like a sorted list, under simulator-like scripts", () => {
  fc.assert(
    fc.property(scriptArbitrary, (steps) => {
      const problem = compareWithModel(new CalendarQueue<Item>(), steps);
      assert.equal(problem, undefined);
    }),
    { seed: 20240601, numRuns: 400 },
  );
});

Deno.test("CalendarQueue orders arbitrary pushed times, ties by seq", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: 0, max: 10, noNaN: true, noDefaultInfinity: true }),
          fc.integer({ min: 0, max: 5 }),
        ),
        { maxLength: 400, size: "max" },
      ),
      (times) => {
        const queue = new CalendarQueue<Item>();
        const items = times.map((time, seq) => ({ time, seq, id: seq }));
        for (const item of items) queue.push(item);
        const expected = items.slice().sort((a, b) => a.time - b.time || a.seq - b.seq);
        const popped: Item[] = [];
        for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
        assert.deepEqual(popped, expected);
      },
    ),
    { seed: 11, numRuns: 300 },
  );
});

Deno.test("CalendarQueue stays ordered through growth to 50k items and shrink back to empty", () => {
  const random = new Random(3);
  const queue = new CalendarQueue<Item>();
  let seq = 0;
  let now = 0;
  const push = (delay: number) => {
    queue.push({ time: now + delay, seq, id: seq });
    seq++;
  };
  // Grow: a steady population with a spread of delays and some simultaneous bursts.
  for (let i = 0; i < 50_000; i++) push(i % 1000 === 0 ? 0 : random.exponential(10));
  assert.equal(queue.size, 50_000);
  let last = { time: -Infinity, seq: -1 };
  const popChecked = () => {
    const item = queue.pop() as Item;
    assert.ok(
      item.time > last.time || (item.time === last.time && item.seq > last.seq),
      `out of order: (${item.time}, ${item.seq}) after (${last.time}, ${last.seq})`,
    );
    last = item;
    now = item.time;
  };
  // Steady state: pop one, push one (the hold model), then drain to empty.
  for (let i = 0; i < 50_000; i++) {
    popChecked();
    push(random.uniform(0, 100));
  }
  while (queue.size > 0) popChecked();
  assert.equal(queue.pop(), undefined);
  // A queue that shrank still works for a fresh burst far in the future.
  now = 1e9;
  for (let i = 0; i < 100; i++) push(100 - i);
  last = { time: -Infinity, seq: -1 };
  while (queue.size > 0) popChecked();
});

Deno.test("CalendarQueue finds a lone far-future item after a year of empty days", () => {
  const queue = new CalendarQueue<Item>();
  for (let seq = 0; seq < 40; seq++) queue.push({ time: seq, seq, id: seq });
  queue.push({ time: 1e12, seq: 40, id: 40 });
  queue.push({ time: 5e11, seq: 41, id: 41 });
  const times: number[] = [];
  while (queue.size > 0) times.push((queue.pop() as Item).time);
  assert.deepEqual(times, [...Array.from({ length: 40 }, (_, i) => i), 5e11, 1e12]);
});

Deno.test("CalendarQueue peek, size, items and clear agree with its contents", () => {
  const queue = new CalendarQueue<Item>();
  assert.equal(queue.peek(), undefined);
  assert.equal(queue.pop(), undefined);
  for (let seq = 0; seq < 100; seq++) queue.push({ time: (seq * 37) % 100, seq, id: seq });
  assert.equal(queue.size, 100);
  assert.equal(queue.peek()?.time, 0);
  assert.equal(queue.size, 100);
  assert.deepEqual(
    queue.items().map((item) => item.id).sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
  );
  queue.clear();
  assert.equal(queue.size, 0);
  assert.equal(queue.peek(), undefined);
  queue.push({ time: 7, seq: 200, id: 200 });
  assert.equal(queue.pop()?.id, 200);
});

Deno.test("CalendarQueue keeps order for times on a decimal grid, whose day boundaries round", () => {
  // Times like 583.8 = 834 × 0.7 sit exactly on a day boundary once the day width is
  // estimated from them; floating-point rounding must not move them into the next day.
  fc.assert(
    fc.property(
      fc.constantFrom(0.1, 0.7, 1 / 3, 1 / 7, 0.001, 0.01, 1.1, 2.5),
      fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant("push" as const),
            steps: fc.oneof(
              fc.integer({ min: 0, max: 3 }),
              fc.integer({ min: 0, max: 30 }),
              fc.integer({ min: 0, max: 300 }),
            ),
          }),
          fc.record({ op: fc.constant("pop" as const), steps: fc.constant(0) }),
        ),
        { minLength: 500, maxLength: 3000, size: "max" },
      ),
      (unit, script) => {
        const queue = new CalendarQueue<Item>();
        const pending: Item[] = [];
        let seq = 0, now = 0;
        for (const { op, steps } of script) {
          if (op === "push") {
            const item = { time: Math.round(now / unit) * unit + steps * unit, seq, id: seq };
            seq++;
            if (item.time < now) continue;
            queue.push(item);
            pending.push(item);
          } else if (pending.length > 0) {
            pending.sort((a, b) => a.time - b.time || a.seq - b.seq);
            const want = pending.shift() as Item;
            const got = queue.pop() as Item;
            assert.equal(
              got,
              want,
              `popped (${got.time}, ${got.seq}), expected (${want.time}, ${want.seq})`,
            );
            now = want.time;
          }
        }
      },
    ),
    { seed: 97, numRuns: 300 },
  );
});

/** An item that counts how often the queue reads its time: the queue's work, without a clock. */
class CountedItem {
  static reads = 0;
  readonly #time: number;
  constructor(time: number, readonly seq: number) {
    this.#time = time;
  }
  get time(): number {
    CountedItem.reads++;
    return this.#time;
  }
}

Deno.test("CalendarQueue costs O(1) per event when thousands of events share one time", () => {
  // A burst of simultaneous events (many nodes starting at once, a FIFO link holding
  // messages back) used to shift past every earlier event of the same time: quadratic.
  const count = 20_000;
  const queue = new CalendarQueue<CountedItem>();
  CountedItem.reads = 0;
  let seq = 0;
  for (let i = 0; i < count; i++) queue.push(new CountedItem(5, seq++));
  // A few other times around the burst, so the burst is not alone in its bucket.
  for (const time of [1, 3, 7, 9]) queue.push(new CountedItem(time, seq++));
  const popped: number[] = [];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    popped.push(item.seq);
    // Events at "now" keep arriving while the burst drains.
    if (popped.length % 3 === 0 && popped.length < count) {
      queue.push(new CountedItem(5, seq++));
    }
  }
  const readsPerEvent = CountedItem.reads / seq;
  assert.ok(readsPerEvent < 20, `${readsPerEvent.toFixed(1)} time reads per event`);
  // FIFO: the burst comes out in insertion order, between the times around it.
  const fives = popped.filter((s) => s < count || s >= count + 4);
  assert.deepEqual(fives, [...fives].sort((a, b) => a - b));
  assert.deepEqual(popped.slice(0, 2), [count, count + 1]);
  assert.deepEqual(popped.slice(-2), [count + 2, count + 3]);
  assert.equal(popped.length, seq);
});

Deno.test("CalendarQueue re-estimates its days when a tight burst leaves them too narrow", () => {
  // Days sized for a burst 1e-9 ms apart, then times 0.01 ms apart: without
  // re-estimating, each pop walks a whole year of empty days.
  const queue = new CalendarQueue<Item>();
  let seq = 0;
  for (let i = 0; i < 5_000; i++) queue.push({ time: i * 1e-9, seq, id: seq++ });
  for (let i = 0; i < 5_000; i++) queue.push({ time: 10 + i * 0.01, seq, id: seq++ });
  let last = -1;
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) {
    assert.ok(item.seq === last + 1, `popped ${item.seq} after ${last}`);
    last = item.seq;
  }
  assert.equal(last, seq - 1);
  const perPop = queue.daysWalked / seq;
  assert.ok(perPop < 50, `${perPop.toFixed(0)} empty days walked per pop`);
});
