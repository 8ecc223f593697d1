import assert from "node:assert/strict";
import fc from "fast-check";
import { EventQueue } from "../../lib/sim/event_queue.ts";
import { compareWithModel, type Item, scriptArbitrary } from "./queue_model.ts";

Deno.test("EventQueue pops in (time, seq) order like a sorted list, under simulator-like scripts", () => {
  fc.assert(
    fc.property(scriptArbitrary, (steps) => {
      const problem = compareWithModel(new EventQueue<Item>(), steps);
      assert.equal(problem, undefined);
    }),
    { seed: 20240601, numRuns: 300 },
  );
});

Deno.test("EventQueue orders arbitrary pushed times, ties by seq", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }), {
        maxLength: 400,
        size: "max",
      }),
      (times) => {
        const queue = new EventQueue<Item>();
        const items = times.map((time, seq) => ({ time, seq, id: seq }));
        for (const item of items) queue.push(item);
        const expected = items.slice().sort((a, b) => a.time - b.time || a.seq - b.seq);
        const popped: Item[] = [];
        for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
        assert.deepEqual(popped, expected);
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

Deno.test("EventQueue runs simultaneous events in insertion order", () => {
  const queue = new EventQueue<Item>();
  for (let seq = 0; seq < 100; seq++) queue.push({ time: 5, seq, id: seq });
  queue.push({ time: 4, seq: 100, id: 100 });
  assert.equal(queue.pop()?.seq, 100);
  for (let seq = 0; seq < 100; seq++) assert.equal(queue.pop()?.seq, seq);
  assert.equal(queue.pop(), undefined);
});

Deno.test("EventQueue peek, size, items and clear agree with its contents", () => {
  const queue = new EventQueue<Item>();
  assert.equal(queue.peek(), undefined);
  assert.equal(queue.pop(), undefined);
  queue.push({ time: 3, seq: 0, id: 0 });
  queue.push({ time: 1, seq: 1, id: 1 });
  queue.push({ time: 2, seq: 2, id: 2 });
  assert.equal(queue.size, 3);
  assert.equal(queue.peek()?.time, 1);
  assert.equal(queue.size, 3);
  assert.deepEqual(queue.items().map((item) => item.id).sort(), [0, 1, 2]);
  queue.clear();
  assert.equal(queue.size, 0);
  assert.equal(queue.pop(), undefined);
});
