import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import { findExperiment } from "../../lib/experiments/mod.ts";
import { ringBalance } from "../../lib/partitioning/mod.ts";

Deno.test("ring-balance is registered and gives one row per seed, the same for the same seed", () => {
  assert.equal(findExperiment("ring-balance"), ringBalance);
  const a = ringBalance.run({ keys: 20_000, vnodes: 10 }, 3);
  const b = ringBalance.run({ keys: 20_000, vnodes: 10 }, 3);
  assert.equal(a.length, 1);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, ringBalance.run({ keys: 20_000, vnodes: 10 }, 4));
});

Deno.test("ring-balance: jump hash moves exactly the keys that must move", () => {
  // Every moved key goes to the new node, and the fraction is 1/(n+1) within four
  // binomial standard errors (sqrt(p(1-p)/K) = 0.0001 at K = 10^6).
  const row = ringBalance.run({ scheme: "jump", nodes: 100 }, 1)[0]!;
  assert.equal(row.movedElsewhere, 0);
  assert.ok(Math.abs(row.movedFraction! - 1 / 101) < 0.0004, `${row.movedFraction}`);
  assert.equal(row.optimalMovedFraction, 1 / 101);
  assert.ok(row.stdOverMean < 0.012, "jump is as even as the key sample allows (0.01)");
});

Deno.test("ring-balance: modulo moves about n/(n+1) of the keys, most of them needlessly", () => {
  const row = ringBalance.run({ scheme: "modulo", nodes: 20, keys: 50_000 }, 1)[0]!;
  assert.ok(row.movedFraction! > 0.9);
  assert.ok(row.movedElsewhere! > 0.85 * 50_000);
});

Deno.test("ring-balance rejects bad parameters by name", () => {
  assert.throws(() => ringBalance.run({ nodes: 0 }, 1), ConfigError);
  assert.throws(
    () => ringBalance.run({ scheme: "mod" as "ring" }, 1),
    (error: Error) => error.message.startsWith("params.scheme"),
  );
});
