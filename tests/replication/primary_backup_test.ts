/**
 * Primary-backup under failover, on the shared trial harness: synchronous replication
 * never loses an acknowledged write and stays linearizable (1,000 seeds over lags and
 * crash times), and a primary that lets reads see unreplicated writes is caught;
 * asynchronous replication loses writes, more as the backups lag, and the checker sees it.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../../lib/mod.ts";
import { FAILOVER_TRIAL, failoverLoss, runFailover } from "../../lib/replication/mod.ts";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";

/** Lags from none to twice the failover delay, crashes early to late: seeds cycle through them. */
const SYNC_PROFILES = [0, 10, 25, 40].flatMap((lag) =>
  [30, 60, 90].map((crash) => ({
    mode: "sync" as const,
    replicationLagMs: lag,
    crashAtMs: crash,
    detectMs: 20,
    clients: 3,
    keys: 2,
    durationMs: 150,
    readFraction: 0.3,
  }))
);

Deno.test("synchronous primary-backup: 1,000 failovers, no acknowledged write lost, linearizable", () => {
  const result = faultSweep(FAILOVER_TRIAL, { seeds: 1000, profiles: SYNC_PROFILES });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.equal(result.unknown, 0);
  const acked = result.rows.reduce((sum, row) => sum + row.ackedBeforeCrash, 0);
  assert.ok(acked > 1000, `writes were acknowledged before the crashes (${acked})`);
});

Deno.test("a synchronous primary whose reads see unreplicated writes is caught within 100 seeds", () => {
  // About one seed in four shows it with this profile: a read returns a write that only
  // the primary had, the primary dies, and the promoted backup never heard of it.
  const failure = caughtWithin(FAILOVER_TRIAL, 100, {
    params: {
      mode: "sync",
      unsafe: "readUncommitted",
      replicationLagMs: 60,
      readFraction: 0.5,
      crashAtMs: 60,
      detectMs: 10,
      clients: 4,
      keys: 1,
      durationMs: 250,
    },
    excerpt: false,
  });
  assert.equal(failure.kind, "history");
  assert.equal(failure.invariant, "linearizability");
  assert.match(
    failure.replay,
    /deno task exp run failover-loss --seed \d+ .*--param unsafe=readUncommitted/,
  );
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
