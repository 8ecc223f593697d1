/** Same seed, same rows: every architecture experiment, and the traced run's trace hash. */
import assert from "node:assert/strict";
import {
  authAttacks,
  cacheStampede,
  gameDay,
  runTraceFanout,
  serviceDiscovery,
  traceFanout,
  TraceFanoutParamsSchema,
} from "../../lib/architecture/mod.ts";

Deno.test("architecture experiments repeat by seed and differ across seeds", () => {
  const runs = [
    () => serviceDiscovery.run({ runMs: 800 }, 3),
    () => cacheStampede.run({ runMs: 500 }, 3),
    () => traceFanout.run({}, 3),
    () => authAttacks.run({ runMs: 800 }, 3),
    () => gameDay.run({ runMs: 800, faultsUntilMs: 500 }, 3),
  ];
  for (const run of runs) assert.deepEqual(run(), run());
  assert.notDeepEqual(authAttacks.run({ runMs: 800 }, 3), authAttacks.run({ runMs: 800 }, 4));
});

Deno.test("a traced run's trace hash repeats by seed", () => {
  const params = TraceFanoutParamsSchema.parse({ requests: 2 });
  const a = runTraceFanout(params, 5).simulation.trace.hash();
  const b = runTraceFanout(params, 5).simulation.trace.hash();
  assert.equal(a, b);
  assert.notEqual(a, runTraceFanout(params, 6).simulation.trace.hash());
});
