/**
 * Speed of the architecture chapter's experiments, one seed each at their defaults:
 * `service-discovery` (2 s, ~1,200 calls), `cache-stampede` (2 s, ~4,000 reads),
 * `trace-fanout` (one request; target: a few ms) and `auth-attacks` (3 s, ~800
 * HMAC-signed requests checked). Target for the 2-3 s runs: tens of ms, so each of the
 * chapter's sweeps stays within a few seconds.
 *
 * @module
 */
import {
  authAttacks,
  cacheStampede,
  serviceDiscovery,
  traceFanout,
} from "../lib/architecture/mod.ts";
import type { BenchReport } from "./report.ts";

const SCENARIOS = {
  "service-discovery-2s": () => void serviceDiscovery.run({}, 1),
  "cache-stampede-2s": () => void cacheStampede.run({}, 1),
  "trace-fanout": () => void traceFanout.run({}, 1),
  "auth-attacks-3s": () => void authAttacks.run({}, 1),
};

/** One JSON line per scenario: milliseconds per seed. */
export const REPORTS: readonly BenchReport[] = Object.keys(SCENARIOS).map((name) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round((meanNs / 1e6) * 10) / 10 }),
}));

for (const [name, fn] of Object.entries(SCENARIOS)) {
  Deno.bench({ name, group: "architecture", n: 20, fn });
}
