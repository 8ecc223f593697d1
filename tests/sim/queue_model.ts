/**
 * Shared differential model for the simulator's agendas: random operation scripts in the
 * shape a simulator produces (never scheduling before the last popped time) and a naive
 * sorted-list twin to compare against.
 *
 * @module
 */
import fc from "fast-check";
import type { Scheduled } from "../../lib/sim/event_queue.ts";

/** The interface both agendas share. */
export interface Agenda<T extends Scheduled> {
  readonly size: number;
  push(item: T): void;
  pop(): T | undefined;
  popNotAfter(timeMs: number): T | undefined;
  peek(): T | undefined;
  items(): readonly T[];
  clear(): void;
}

/**
 * One scripted step: push an item some delay after the last popped time, or pop (with
 * `withinMs`, only items at most that long after the last popped time, as a run loop does).
 */
export type Step =
  | { readonly op: "push"; readonly delayMs: number; readonly burst: number }
  | { readonly op: "pop"; readonly count: number; readonly withinMs?: number };

/** Delays a simulator produces: zero (same instant), small, fractional, far-future outliers. */
export const delayArbitrary: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 5, arbitrary: fc.double({ min: 0, max: 50, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.double({ min: 1e6, max: 1e9, noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e-6, noNaN: true, noDefaultInfinity: true }) },
);

/** A script of pushes (some in bursts at one instant) and pops (some draining many). */
export const scriptArbitrary: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("push" as const),
        delayMs: delayArbitrary,
        burst: fc.oneof(
          { weight: 4, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 2, max: 60 }) },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("pop" as const),
        count: fc.oneof(
          { weight: 4, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 2, max: 200 }) },
        ),
        withinMs: fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 30, noNaN: true })), {
          nil: undefined,
        }),
      }, { requiredKeys: ["op", "count"] }),
    },
  ),
  { maxLength: 300, size: "max" },
);

/** An item with an id, so the test can tell equal (time, seq) apart from the same object. */
export interface Item extends Scheduled {
  readonly id: number;
}

/** The naive twin: keeps everything in a list and pops the (time, seq) minimum. */
export class SortedModel {
  #items: Item[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(item: Item): void {
    this.#items.push(item);
  }
  pop(): Item | undefined {
    const best = this.#earliest();
    return best < 0 ? undefined : this.#items.splice(best, 1)[0];
  }
  popNotAfter(timeMs: number): Item | undefined {
    const best = this.#earliest();
    if (best < 0 || (this.#items[best] as Item).time > timeMs) return undefined;
    return this.#items.splice(best, 1)[0];
  }
  #earliest(): number {
    if (this.#items.length === 0) return -1;
    let best = 0;
    for (let i = 1; i < this.#items.length; i++) {
      const a = this.#items[i] as Item, b = this.#items[best] as Item;
      if (a.time < b.time || (a.time === b.time && a.seq < b.seq)) best = i;
    }
    return best;
  }
}

/**
 * Runs `steps` on `agenda` and on the model, and returns the first disagreement in words
 * (or undefined). Peek is checked before every pop, size after every step.
 */
export function compareWithModel(agenda: Agenda<Item>, steps: readonly Step[]): string | undefined {
  const model = new SortedModel();
  let seq = 0;
  let lastPopped = 0;
  for (const [index, step] of steps.entries()) {
    if (step.op === "push") {
      const time = lastPopped + step.delayMs;
      for (let i = 0; i < step.burst; i++) {
        const item = { time, seq: seq, id: seq };
        seq++;
        agenda.push(item);
        model.push(item);
      }
    } else {
      for (let i = 0; i < step.count; i++) {
        const peeked = agenda.peek();
        const limit = step.withinMs === undefined ? undefined : lastPopped + step.withinMs;
        const got = limit === undefined ? agenda.pop() : agenda.popNotAfter(limit);
        const want = limit === undefined ? model.pop() : model.popNotAfter(limit);
        if (got !== undefined && peeked !== got) {
          return `step ${index}: peek gave ${show(peeked)}, pop ${show(got)}`;
        }
        if (got !== want) return `step ${index}: popped ${show(got)}, expected ${show(want)}`;
        if (want !== undefined) lastPopped = want.time;
      }
    }
    if (agenda.size !== model.size) {
      return `step ${index}: size ${agenda.size}, expected ${model.size}`;
    }
  }
  for (;;) {
    const got = agenda.pop();
    const want = model.pop();
    if (got !== want) return `drain: popped ${show(got)}, expected ${show(want)}`;
    if (want === undefined) return undefined;
  }
}

function show(item: Item | undefined): string {
  return item === undefined ? "nothing" : `(t=${item.time}, seq=${item.seq})`;
}
