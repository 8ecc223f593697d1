/**
 * Primary-backup under failover: synchronous replication never loses an acknowledged
 * write and stays linearizable (1,000 seeds of random lag and crash time); asynchronous
 * replication loses some, more as the backups lag, and the checker sees it.
 */
import assert from "node:assert/strict";
import { ConfigError, Random } from "../../lib/mod.ts";
import { failoverLoss, runFailover } from "../../lib/replication/mod.ts";

/** Random lag and crash time per seed, drawn from the seed. */
function sweepParams(seed: number) {
  const random = new Random(seed).child("params");
  return {
    replicationLagMs: random.uniform(0, 40),
    crashAtMs: random.uniform(20, 100),
    detectMs: 20,
    clients: 3,
    keys: 2,
    durationMs: 150,
    readFraction: 0.3,
  };
}

Deno.test("synchronous primary-backup: 1,000 failovers, no acknowledged write lost, linearizable", () => {
  let acked = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const run = runFailover({ ...sweepParams(seed), mode: "sync" }, seed);
    assert.equal(run.row.lostWrites, 0, `seed ${seed}: lost ${JSON.stringify(run.lost)}`);
    assert.equal(
      run.linearizability?.valid,
      true,
      `seed ${seed}: ${run.linearizability?.evidence?.summary}`,
    );
    acked += run.row.ackedBeforeCrash;
  }
  assert.ok(acked > 1000, `writes were acknowledged before the crashes (${acked})`);
});

Deno.test("asynchronous primary-backup loses acknowledged writes, more with more lag", () => {
  const lost = (lag: number) => {
    let total = 0, runs = 0, broken = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const run = runFailover({
        mode: "async",
        replicationLagMs: lag,
        readFraction: 0.3,
      }, seed);
      total += run.row.lostWrites;
      if (run.linearizability?.valid === false) broken++;
      runs++;
    }
    return { mean: total / runs, broken };
  };
  const none = lost(0), some = lost(20), many = lost(50);
  assert.equal(none.mean, 0);
  assert.ok(some.mean > 0 && many.mean > some.mean, `${some.mean} then ${many.mean}`);
  assert.ok(many.broken > 0, "a read saw a lost write vanish: not linearizable");
});

Deno.test("failover-loss rows are reproducible and bad parameters name their field", () => {
  assert.deepEqual(
    failoverLoss.run({ durationMs: 100, crashAtMs: 50 }, 4),
    failoverLoss.run({ durationMs: 100, crashAtMs: 50 }, 4),
  );
  assert.throws(
    () => failoverLoss.parseParams({ mode: "semi" } as unknown as { mode: "sync" }),
    (error: unknown) => error instanceof ConfigError && error.message.startsWith("params.mode: "),
  );
  assert.throws(() => failoverLoss.parseParams({ backups: 0 }), {
    message: "params.backups: must be at least 1, got 0",
  });
});
