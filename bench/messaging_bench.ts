/**
 * Speed of the messaging chapter's experiments, one seed each: `queue-delivery` (100
 * payments through a broker to two consumers under faults), `log-order` (200 records,
 * four partitions, a group of three) and `cqrs-lag` (four clients, two read models).
 * Target: a few ms per seed, so the chapter's sweeps of a few hundred runs stay near a
 * second and the tests' 1,000-seed sweeps within seconds.
 *
 * @module
 */
import { cqrsLag, logOrder, queueDelivery } from "../lib/messaging/mod.ts";
import type { BenchReport } from "./report.ts";

const SCENARIOS = [
  { name: "queue-delivery-at-least-once", run: () => queueDelivery.run({}, 1) },
  { name: "log-order", run: () => logOrder.run({}, 1) },
  { name: "cqrs-lag-session", run: () => cqrsLag.run({ session: true }, 1) },
];

/** One JSON line per scenario: milliseconds per seed. */
export const REPORTS: readonly BenchReport[] = SCENARIOS.map(({ name }) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round((meanNs / 1e6) * 10) / 10 }),
}));

for (const { name, run } of SCENARIOS) {
  Deno.bench({ name, group: "messaging", n: 50, fn: () => void run() });
}
