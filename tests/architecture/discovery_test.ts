/**
 * Service discovery with TTLs: over 1,000 seeds of instance crashes no call reaches an
 * instance dead for longer than `ttlMs + refreshMs + 3 × maxLatencyMs`; a registry that
 * never expires silent instances is caught within a few seeds.
 */
import assert from "node:assert/strict";
import {
  buildDiscovery,
  DiscoveryParamsSchema,
  discoveryTrial,
  serviceDiscovery,
} from "../../lib/architecture/mod.ts";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";

Deno.test("service-discovery: 1,000 seeds of crashes, no call past the TTL bound", () => {
  const sweep = faultSweep(discoveryTrial, {
    seeds: 1_000,
    profiles: {
      "short ttl": { ttlMs: 80, heartbeatMs: 30, refreshMs: 50 },
      "long ttl": { ttlMs: 300, heartbeatMs: 100, refreshMs: 150, crashes: 4 },
    },
    params: { runMs: 1_000, meanGapMs: 15, clients: 2 },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  assert.equal(sweep.trials, 1_000);
  // Teeth: crashes really send calls to dead instances (within the bound), in most seeds.
  const wasted = sweep.rows.filter((row) => row.sentToDead > 0).length;
  assert.ok(wasted >= 500, `calls to dead instances in ${wasted} seeds`);
});

Deno.test("a registry that never expires silent instances is caught within 20 seeds", () => {
  const failure = caughtWithin(discoveryTrial, 20, { params: { neverExpire: true } });
  assert.equal(failure.invariant, "no call to an instance dead past the bound");
  assert.equal(failure.kind, "safety");
});

Deno.test("ServiceRegistry forgets an instance once its TTL has passed", () => {
  const params = DiscoveryParamsSchema.parse({ crashes: 0, runMs: 600 });
  const system = buildDiscovery(params, 3);
  system.simulation.runUntil(200);
  assert.deepEqual(system.registry()!.live("catalog"), ["i1", "i2", "i3", "i4"]);
  system.simulation.crash("i2");
  system.simulation.runUntil(200 + params.ttlMs + params.maxLatencyMs + 1);
  assert.deepEqual(system.registry()!.live("catalog"), ["i1", "i3", "i4"]);
  system.simulation.runUntil(200 + system.boundMs);
  assert.deepEqual(system.gateway()!.cached("catalog"), ["i1", "i3", "i4"]);
});

Deno.test("service-discovery rows: expiry bounds the waste, the broken registry does not", () => {
  for (let seed = 1; seed <= 5; seed++) {
    const [good] = serviceDiscovery.run({}, seed);
    const [broken] = serviceDiscovery.run({ neverExpire: true }, seed);
    assert.equal(good!.sentToDeadPastBound, 0);
    assert.ok(good!.worstDeadForMs <= good!.boundMs);
    assert.ok(broken!.sentToDead >= good!.sentToDead);
  }
});

Deno.test("DiscoveryParamsSchema refuses a TTL shorter than a heartbeat", () => {
  assert.throws(() => serviceDiscovery.parseParams({ ttlMs: 40, heartbeatMs: 50 }), /ttlMs/);
});
