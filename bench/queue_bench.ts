/**
 * The agendas under a burst of simultaneous events: 40,000 events pushed at one time and
 * popped in insertion order, in the calendar queue and in the binary heap. Simultaneous
 * events cost O(1) each in the calendar queue, so it should not trail the heap.
 *
 * @module
 */
import { CalendarQueue } from "../lib/sim/calendar_queue.ts";
import { EventQueue, type Scheduled } from "../lib/sim/event_queue.ts";
import type { BenchReport } from "./report.ts";

/** Events in the burst. */
export const SAME_TIME_EVENTS = 40_000;

/** Pushes a burst of simultaneous events into `queue` and pops them all. */
export function sameTimeBurst(queue: { push(item: Scheduled): void; pop(): unknown }): void {
  for (let seq = 0; seq < SAME_TIME_EVENTS; seq++) queue.push({ time: 5, seq });
  for (let i = 0; i < SAME_TIME_EVENTS; i++) queue.pop();
}

const SCENARIOS = [
  { name: "same-time-40k-calendar", make: () => new CalendarQueue<Scheduled>() },
  { name: "same-time-40k-heap", make: () => new EventQueue<Scheduled>() },
];

/** One JSON line per agenda: the burst's time in ms. */
export const REPORTS: readonly BenchReport[] = SCENARIOS.map(({ name }) => ({
  name,
  ...(name.endsWith("calendar") ? { baseline: "same-time-40k-heap" } : {}),
  line: (meanNs) => ({ name, events: SAME_TIME_EVENTS, ms: Math.round(meanNs / 1e4) / 100 }),
}));

for (const { name, make } of SCENARIOS) {
  Deno.bench({ name, group: "same-time", fn: () => sameTimeBurst(make()) });
}
