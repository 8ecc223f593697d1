import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  lwwSkew,
  type LwwSkewRow,
  replicaOffsets,
  simulateLwwSkew,
} from "../../lib/experiments/lww_skew.ts";

const SEEDS = [1, 2, 3, 4, 5];

function lostFraction(params: Parameters<typeof lwwSkew.run>[0]): number {
  const rows: LwwSkewRow[] = SEEDS.map((seed) => lwwSkew.run(params, seed)[0]!);
  const lost = rows.reduce((sum, row) => sum + row.lost, 0);
  return lost / rows.reduce((sum, row) => sum + row.acknowledged, 0);
}

Deno.test("lww-skew: no write is lost without skew", () => {
  assert.equal(lostFraction({ maxSkewMs: 0 }), 0);
});

Deno.test("lww-skew: the lost fraction grows with the skew", () => {
  const fractions = [0, 10, 20, 50, 100].map((maxSkewMs) => lostFraction({ maxSkewMs }));
  for (let i = 1; i < fractions.length; i++) {
    assert.ok(fractions[i]! >= fractions[i - 1]!, `${fractions}`);
  }
  assert.ok(fractions[1]! > 0, `some loss at 10 ms: ${fractions}`);
  assert.ok(
    fractions[4]! > 0.4,
    `most writes through the slow replicas lost at 100 ms: ${fractions}`,
  );
});

Deno.test("lww-skew: Lamport and hybrid logical stamps lose nothing at any skew", () => {
  for (const clock of ["lamport", "hlc"] as const) {
    assert.equal(lostFraction({ maxSkewMs: 100, clock }), 0, clock);
  }
});

Deno.test("lww-skew: every run converges and acknowledges every write", () => {
  for (const maxSkewMs of [0, 50]) {
    const [row] = lwwSkew.run({ maxSkewMs, writes: 50 }, 3);
    assert.equal(row!.converged, true);
    assert.equal(row!.acknowledged, 50);
    assert.equal(row!.lostFraction, row!.lost / 50);
  }
});

Deno.test("lww-skew: replies stamped before their request appear only with skew", () => {
  assert.equal(lwwSkew.run({ maxSkewMs: 0 }, 1)[0]!.repliesStampedBeforeRequest, 0);
  assert.ok(lwwSkew.run({ maxSkewMs: 20 }, 1)[0]!.repliesStampedBeforeRequest > 0);
});

Deno.test("lww-skew: a lost write is beaten by an older one with a larger stamp", () => {
  const run = simulateLwwSkew(lwwSkew.parseParams({ maxSkewMs: 50, writes: 100 }), 2, {
    record: true,
  });
  const lost = run.writes.filter((w) => w.lost);
  assert.ok(lost.length > 0);
  for (const write of lost) {
    const winner = run.writes[write.readValue! - 1]!;
    assert.ok(winner.writeId < write.writeId && winner.stamp.timeMs > write.stamp.timeMs);
  }
  assert.ok(run.simulation.trace.length > 0);
  assert.equal(
    run.simulation.config.replay,
    "deno task exp run lww-skew --seed 2 --param maxSkewMs=50 --param writes=100",
  );
});

Deno.test("replicaOffsets spreads offsets evenly, the extremes maxSkewMs apart", () => {
  assert.deepEqual(replicaOffsets(3, 20), [-10, 0, 10]);
  assert.deepEqual(replicaOffsets(1, 20), [0]);
  assert.deepEqual(replicaOffsets(5, 8), [-4, -2, 0, 2, 4]);
});

Deno.test("lww-skew rows are tidy and deterministic by seed", () => {
  const [row] = lwwSkew.run({}, 4);
  assert.deepEqual(Object.keys(row!), [
    "maxSkewMs",
    "clock",
    "writes",
    "acknowledged",
    "lost",
    "lostFraction",
    "repliesStampedBeforeRequest",
    "converged",
  ]);
  assert.deepEqual(lwwSkew.run({}, 4), [row]);
  assert.notDeepEqual(lwwSkew.run({ maxSkewMs: 100 }, 4), lwwSkew.run({ maxSkewMs: 100 }, 5));
});

Deno.test("lww-skew rejects bad parameters with their path", () => {
  assert.throws(
    () => lwwSkew.run({ maxSkewMs: -1 }, 1),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message === "params.maxSkewMs: must be at least 0 ms, got -1",
  );
  assert.throws(() => lwwSkew.run({ clock: "atomic" as never }, 1), /params\.clock/);
});
