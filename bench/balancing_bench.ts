/**
 * Speed of the load-balancing chapter's experiments: `balls-into-bins` at n = 10^6 for
 * d = 1, 2, 3 (target: well under a second per seed) and `load-balancer` with 100,000
 * requests to 100 servers under p2c and least connections.
 *
 * @module
 */
import { ballsIntoBins, loadBalancer } from "../lib/balancing/mod.ts";
import type { BenchReport } from "./report.ts";

const BALLS = [1, 2, 3].map((d) => ({ name: `balls-into-bins-1e6-d${d}`, d }));
const POLICIES = ["p2c", "least-connections"] as const;

/** One JSON line per scenario: milliseconds per trial. */
export const REPORTS: readonly BenchReport[] = [
  ...BALLS.map(({ name, d }) => ({
    name,
    line: (meanNs: number) => ({ name, d, ms_per_seed: Math.round(meanNs / 1e6) }),
  })),
  ...POLICIES.map((policy) => ({
    name: `load-balancer-${policy}-1e5`,
    line: (meanNs: number) => ({
      name: `load-balancer-${policy}-1e5`,
      ms_per_seed: Math.round(meanNs / 1e6),
      requests_per_s: Math.round(1e5 / (meanNs / 1e9)),
    }),
  })),
];

for (const { name, d } of BALLS) {
  Deno.bench({
    name,
    group: "balls-into-bins",
    n: 5,
    fn: () => void ballsIntoBins.run({ n: 1e6, d }, 1),
  });
}
for (const policy of POLICIES) {
  Deno.bench({
    name: `load-balancer-${policy}-1e5`,
    group: "load-balancer",
    n: 5,
    fn: () => void loadBalancer.run({ policy, requests: 100_000 }, 1),
  });
}
