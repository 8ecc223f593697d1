/**
 * The PBFT fault sweep: 1,000 seeds, one Byzantine replica of four cycling through every
 * behaviour (silent, equivocating, lying, replaying) under pauses, isolations and loss,
 * with zero violations of agreement, of the clients' f + 1 rule, or of liveness once the
 * faults end. Then 200 seeds of seven replicas with two Byzantine ones.
 */
import assert from "node:assert/strict";
import { BYZANTINE_BEHAVIORS, pbftTrial } from "../../lib/bft/mod.ts";
import { describeFailures, faultSweep } from "../../lib/testing/mod.ts";

const profiles = Object.fromEntries(BYZANTINE_BEHAVIORS.map((b) => [b, { behavior: b }]));

Deno.test("pbft sweep: 1,000 seeds, f = 1 Byzantine of n = 4, every behaviour: no violation", () => {
  const result = faultSweep(pbftTrial, {
    seeds: 1000,
    profiles,
    params: { requestsPerClient: 4, faultsUntilMs: 600 },
    excerpt: false,
  });
  assert.equal(result.trials, 1000);
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
});

Deno.test("pbft sweep: 200 seeds, f = 2 Byzantine of n = 7, every behaviour: no violation", () => {
  const result = faultSweep(pbftTrial, {
    seeds: 200,
    profiles,
    params: { n: 7, byzantine: 2, requestsPerClient: 4, faultsUntilMs: 600 },
    excerpt: false,
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
});
