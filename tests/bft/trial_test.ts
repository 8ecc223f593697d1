/**
 * The PBFT trial: f Byzantine replicas of 3f + 1 never break agreement, more than f can,
 * and each broken variant (one rule removed) is caught within a seed budget.
 */
import assert from "node:assert/strict";
import {
  AGREEMENT,
  BYZANTINE_BEHAVIORS,
  CLIENT_QUORUM,
  CLIENT_RESULTS,
  pbftTrial,
} from "../../lib/bft/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";
import { caughtWithin, describeFailures, faultSweep, runTrial } from "../../lib/testing/mod.ts";

Deno.test("pbft trial: one Byzantine replica of four, any behaviour: agreement and liveness", () => {
  const profiles = Object.fromEntries(BYZANTINE_BEHAVIORS.map((b) => [b, { behavior: b }]));
  const result = faultSweep(pbftTrial, { seeds: 24, profiles });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  for (const row of result.rows) {
    assert.equal(row.agreement, true);
    assert.equal(row.live, true);
    assert.equal(row.requests, 2 * 8 + 2);
  }
});

Deno.test("pbft trial: the same seed gives the same row", () => {
  const a = runTrial(pbftTrial, { behavior: "replay" }, 11).row;
  const b = runTrial(pbftTrial, { behavior: "replay" }, 11).row;
  assert.deepEqual(a, b);
});

Deno.test("pbft trial: without faults a request costs 1 + (n − 1) + (n − 1)² + n(n − 1) + n messages", () => {
  for (const n of [4, 7]) {
    const row = runTrial(pbftTrial, {
      n,
      byzantine: 0,
      faultsPerSecond: 0,
      lossProbability: 0,
    }, 1).row;
    // Request, pre-prepare to the backups, prepares among backups and to the primary,
    // commits all to all, replies.
    const expected = 1 + (n - 1) + (n - 1) * (n - 1) + n * (n - 1) + n;
    assert.equal(row.messagesPerRequest, expected);
  }
});

Deno.test("pbft trial: two Byzantine replicas of four (more than f) break agreement within 20 seeds", () => {
  const failure = caughtWithin(pbftTrial, 20, { params: { byzantine: 2 }, excerpt: false });
  assert.equal(failure.invariant, AGREEMENT);
});

Deno.test("pbft trial: quorums of f + 1 instead of 2f + 1 are caught within 50 seeds", () => {
  const failure = caughtWithin(pbftTrial, 50, { params: { variant: "f+1-quorum" } });
  assert.equal(failure.invariant, AGREEMENT);
  assert.match(failure.replay, /--param variant=f\+1-quorum/);
});

Deno.test("pbft trial: replicas that skip checking signatures are caught within 50 seeds", () => {
  const failure = caughtWithin(pbftTrial, 50, { params: { variant: "skip-verify" } });
  assert.equal(failure.invariant, AGREEMENT);
});

Deno.test("pbft trial: a new primary that ignores prepared certificates is caught within 300 seeds", () => {
  const failure = caughtWithin(pbftTrial, 300, {
    params: { variant: "ignore-prepared", n: 7, byzantine: 2, lossProbability: 0.05 },
    excerpt: false,
  });
  assert.equal(failure.invariant, AGREEMENT);
});

Deno.test("pbft trial: a client that accepts the first reply is caught within 20 seeds", () => {
  const failure = caughtWithin(pbftTrial, 20, {
    params: { variant: "client-first-reply", behavior: "lie" },
    excerpt: false,
  });
  assert.ok([CLIENT_QUORUM, CLIENT_RESULTS].includes(failure.invariant), failure.invariant);
});

Deno.test("pbft trial: a bad parameter fails before the run, naming it", () => {
  assert.throws(() => runTrial(pbftTrial, { n: 4, byzantine: 5 }, 1), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /params\.byzantine: must be at most n/);
    return true;
  });
  assert.throws(
    () => runTrial(pbftTrial, { behavior: "sneaky" as "lie" }, 1),
    /params\.behavior/,
  );
});
