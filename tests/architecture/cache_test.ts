/**
 * Cache-aside and the stampede: coalescing bounds the database reads of an expiring hot
 * key by the number of app servers (1,000 seeds, checked after every event); without it a
 * single expiry sends tens of reads; invalidation on write removes stale reads.
 */
import assert from "node:assert/strict";
import {
  cacheStampede,
  cacheStampedeTrial,
  type ReadRecord,
  staleReads,
} from "../../lib/architecture/mod.ts";
import { describeFailures, faultSweep, runTrial } from "../../lib/testing/mod.ts";

Deno.test("cache-stampede: 1,000 seeds, coalesced reads stay at one per app server", () => {
  const sweep = faultSweep(cacheStampedeTrial, {
    seeds: 1_000,
    profiles: {
      "single-flight": { coalescing: "single-flight" },
      "early-refresh, writes": { coalescing: "early-refresh", writeEveryMs: 70 },
    },
    params: { runMs: 400, ttlMs: 100, readers: 2, meanReadGapMs: 2, apps: 3 },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  assert.equal(sweep.trials, 1_000);
  // Teeth: the key really expires or is invalidated in every run.
  assert.ok(sweep.rows.every((row) => row.originReads >= 3), "refills in every seed");
});

Deno.test("without coalescing an expiry queues more reads than app servers within 5 seeds", () => {
  // The same check, applied to apps that do not coalesce: the stampede is real.
  const broken = Array.from(
    { length: 5 },
    (_, i) => runTrial(cacheStampedeTrial, { coalescing: "none", runMs: 700 }, i + 1).row,
  );
  assert.ok(broken.some((row) => row.peakOriginQueue > 4), JSON.stringify(broken[0]));
});

Deno.test("cache-stampede rows: single-flight cuts the database reads of an expiry", () => {
  for (let seed = 1; seed <= 3; seed++) {
    const [none] = cacheStampede.run({ coalescing: "none" }, seed);
    const [single] = cacheStampede.run({ coalescing: "single-flight" }, seed);
    const [early] = cacheStampede.run({ coalescing: "early-refresh" }, seed);
    assert.ok(
      none!.originReads > 2 * single!.originReads,
      `${none!.originReads} vs ${single!.originReads}`,
    );
    assert.ok(single!.peakOriginQueue <= 4);
    assert.ok(early!.hitRatio >= single!.hitRatio);
    assert.ok(none!.p99ReadMs > single!.p99ReadMs);
  }
});

Deno.test("invalidation on write: stale reads drop to the rare delete-then-refill race", () => {
  let invalidated = 0, ttlOnly = 0, writes = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const params = { coalescing: "single-flight", writeEveryMs: 100, runMs: 1_000 } as const;
    const [a] = cacheStampede.run(params, seed);
    const [b] = cacheStampede.run({ ...params, invalidateOnWrite: false }, seed);
    invalidated += a!.staleReads;
    ttlOnly += b!.staleReads;
    writes += a!.writes;
  }
  assert.ok(writes >= 150, `${writes} writes`);
  // A refill that read the old version before the write can still land after the delete
  // (a race memcache's leases close), so invalidation cuts stale reads, not to zero.
  assert.ok(ttlOnly > 1_000, `${ttlOnly} stale reads without invalidation`);
  assert.ok(invalidated * 50 < ttlOnly, `${invalidated} stale reads with invalidation`);
});

Deno.test("staleReads counts reads older than a write acknowledged before they began", () => {
  const read = (invokedAtMs: number, version: number): ReadRecord => ({
    invokedAtMs,
    returnedAtMs: invokedAtMs + 1,
    version,
    hit: true,
  });
  const writes: [number, number][] = [[10, 2], [20, 3]];
  assert.equal(staleReads([read(5, 1), read(11, 2), read(15, 1), read(25, 2)], writes), 2);
  assert.equal(staleReads([read(20, 2)], writes), 0); // the write at 20 was concurrent
});
