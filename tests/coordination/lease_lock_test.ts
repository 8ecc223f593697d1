/**
 * Leases, fencing and the paused holder: the lease lock service as a state machine, its
 * time taken from the leader's stamps, the storage's fencing rule, and the trial's
 * broken variants caught within a seed budget.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  acceptAll,
  fenceByToken,
  LEASE_SERVERS,
  type LeaseGrant,
  leaseLock,
  LeaseLockParamsSchema,
  LeaseLockService,
  leaseLockTrial,
  leaseOverlap,
  outOfOrderAccess,
  type StorageAccess,
} from "../../lib/coordination/mod.ts";
import { caughtWithin, faultSweep, runTrial } from "../../lib/testing/mod.ts";
import { ConfigError } from "../../lib/mod.ts";
import type { RaftNode } from "../../lib/consensus/mod.ts";

Deno.test("LeaseLockService grants, refuses a live lease, and grants again once it expires", () => {
  const locks = new LeaseLockService();
  const a = locks.apply({ op: "acquire", lock: "L", owner: "a", leaseMs: 100, atMs: 0 });
  assert.deepEqual(a, { ok: true, holder: "a", token: 1, expiresAtMs: 100 });
  assert.equal(
    locks.apply({ op: "acquire", lock: "L", owner: "b", leaseMs: 100, atMs: 99 }).ok,
    false,
  );
  // The holder renews: the same token, a later end.
  assert.deepEqual(
    locks.apply({ op: "acquire", lock: "L", owner: "a", leaseMs: 100, atMs: 50 }),
    { ok: true, holder: "a", token: 1, expiresAtMs: 199 },
    "renewed at the machine's time (99: the largest stamp so far), not the older stamp 50",
  );
  assert.equal(
    locks.apply({ op: "acquire", lock: "L", owner: "b", leaseMs: 100, atMs: 150 }).ok,
    false,
  );
  const b = locks.apply({ op: "acquire", lock: "L", owner: "b", leaseMs: 100, atMs: 199 });
  assert.deepEqual(b, { ok: true, holder: "b", token: 2, expiresAtMs: 299 });
  assert.equal(locks.apply({ op: "release", lock: "L", owner: "a", atMs: 200 }).ok, false);
  assert.equal(locks.apply({ op: "release", lock: "L", owner: "b", atMs: 210 }).ok, true);
  assert.equal(
    locks.apply({ op: "acquire", lock: "L", owner: "c", leaseMs: 10, atMs: 211 }).token,
    3,
  );
  assert.equal(leaseOverlap(locks.grants), undefined);
  assert.deepEqual(locks.grants.map((g) => [g.owner, g.atMs, g.releasedAtMs]), [
    ["a", 0, null],
    ["b", 199, 210],
    ["c", 211, null],
  ]);
});

Deno.test("LeaseLockService reads time only from stamps: the leader stamps, clients do not", () => {
  const locks = new LeaseLockService();
  const command = { op: "acquire", lock: "L", owner: "a", leaseMs: 100 } as const;
  assert.deepEqual(locks.stamp(command, 42), { ...command, atMs: 42 });
  assert.deepEqual(locks.stamp({ op: "holder", lock: "L" }, 42), { op: "holder", lock: "L" });
  locks.apply({ ...command, atMs: 500 });
  locks.apply({ op: "release", lock: "M", owner: "x", atMs: 300 });
  assert.equal(locks.nowMs, 500, "a new leader's clock a little behind does not move time back");
  assert.throws(
    () => new LeaseLockService({ unsafeGrantEarlyMs: -1 }),
    /Cannot build a lease lock service/,
  );
  assert.throws(
    () => locks.apply({ op: "acquire", lock: "N", owner: "a", leaseMs: 0, atMs: 1 }),
    /Cannot acquire N: leaseMs must be positive/,
  );
});

Deno.test("LeaseLockService is deterministic: replicas applying the same stamped log agree", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          op: fc.constantFrom("acquire", "release"),
          owner: fc.constantFrom("a", "b", "c"),
          step: fc.integer({ min: 0, max: 60 }),
          leaseMs: fc.integer({ min: 1, max: 100 }),
        }),
        { maxLength: 40 },
      ),
      (ops) => {
        const one = new LeaseLockService(), two = new LeaseLockService();
        let t = 0;
        for (const o of ops) {
          t += o.step;
          const command = o.op === "acquire"
            ? { op: "acquire" as const, lock: "L", owner: o.owner, leaseMs: o.leaseMs, atMs: t }
            : { op: "release" as const, lock: "L", owner: o.owner, atMs: t };
          assert.deepEqual(one.apply(command), two.apply(command));
        }
        assert.deepEqual(one.grants, two.grants);
        // The lease rule holds whatever the commands.
        assert.equal(leaseOverlap(one.grants), undefined);
      },
    ),
  );
});

Deno.test("leaseOverlap names a grant made while the previous lease ran", () => {
  const grant = (owner: string, token: number, atMs: number): LeaseGrant => ({
    lock: "L",
    owner,
    token,
    atMs,
    expiresAtMs: atMs + 100,
    releasedAtMs: null,
  });
  assert.equal(leaseOverlap([grant("a", 1, 0), grant("b", 2, 100)]), undefined);
  assert.match(
    leaseOverlap([grant("a", 1, 0), grant("b", 2, 99)])!,
    /b was granted L \(token 2\) at 99 ms/,
  );
  assert.match(leaseOverlap([grant("a", 2, 0), grant("b", 1, 200)])!, /token went from 2 to 1/);
});

Deno.test("fenceByToken refuses an older holder; outOfOrderAccess finds what slipped through", () => {
  assert.equal(fenceByToken(34, 33), false);
  assert.equal(fenceByToken(34, 34), true);
  assert.equal(acceptAll(34, 33), true);
  const access = (client: string, token: number, accepted = true): StorageAccess => ({
    atMs: token,
    client,
    kind: "write",
    token,
    accepted,
  });
  assert.equal(
    outOfOrderAccess([access("a", 1), access("b", 2), access("a", 1, false)]),
    undefined,
  );
  assert.equal(outOfOrderAccess([access("b", 2), access("a", 1)])?.stale.client, "a");
});

Deno.test("lease-lock: without fencing some seeds interleave critical sections; with fencing none", () => {
  const rows = (fencing: boolean) =>
    Array.from({ length: 60 }, (_, i) => leaseLock.run({ fencing, runMs: 1_000 }, i + 1)[0]!);
  const without = rows(false), withFencing = rows(true);
  const violated = without.filter((row) => row.mutualExclusionViolated).length;
  // A pause must land inside a critical section for a violation: some seeds, not all.
  assert.ok(
    violated >= 3 && violated < 60,
    `violations without fencing in ${violated} of 60 seeds`,
  );
  assert.ok(without.some((row) => row.lostUpdates > 0), "a stale write loses increments");
  assert.equal(withFencing.filter((row) => row.mutualExclusionViolated).length, 0);
  assert.equal(withFencing.reduce((sum, row) => sum + row.lostUpdates, 0), 0);
  assert.ok(withFencing.some((row) => row.staleRefused > 0), "the storage refused stale requests");
  assert.ok(withFencing.every((row) => row.grants > 10), "the lock keeps moving");
});

Deno.test("lease-lock: same seed, same row; a bad parameter fails before the run", () => {
  assert.deepEqual(leaseLock.run({ fencing: false }, 5), leaseLock.run({ fencing: false }, 5));
  assert.throws(() => leaseLock.run({ pauseMs: 0 }, 1), ConfigError);
  assert.throws(() => leaseLock.run({ pauseMs: 1_900 }, 1), /params.runMs: must exceed pauseMs/);
});

Deno.test("broken variant: a storage without fencing is caught within 40 seeds", () => {
  const failure = caughtWithin(leaseLockTrial, 40, { params: { fencing: false, runMs: 1_000 } });
  assert.equal(failure.invariant, "storage accepts tokens in order");
  assert.match(failure.replay, /deno task exp run lease-lock --seed \d+ .*fencing=false/);
});

Deno.test("broken variant: a service that grants before the previous lease expires is caught within 40 seeds", () => {
  const failure = caughtWithin(leaseLockTrial, 40, {
    params: { unsafeGrantEarlyMs: 20, runMs: 1_000 },
  });
  assert.equal(failure.invariant, "one lease at a time");
  // The fencing storage still keeps the counter right: tokens order the holders.
  const result = runTrial(leaseLockTrial, { unsafeGrantEarlyMs: 20, runMs: 1_000 }, failure.seed);
  assert.equal(result.row.mutualExclusionViolated, false);
});

Deno.test("a client clock running slow makes leases unsafe without any pause", () => {
  // 1% slow (the most a physical clock is allowed): 985 ms of the client's work take
  // about 995 ms of true time, so a 1,000 ms lease checked with 15 ms to spare runs out
  // before the write lands. With clocks that agree, the same slack is enough.
  const tight = { fencing: false, pauses: 0, leaseMs: 1_000, workMs: 985, runMs: 8_000 };
  const sweep = faultSweep(leaseLockTrial, {
    seeds: 30,
    params: { ...tight, clientDriftPpm: -10_000 },
  });
  const unpaused = faultSweep(leaseLockTrial, { seeds: 30, params: tight });
  assert.equal(unpaused.failures.length, 0, "with clocks that agree and no pauses, leases suffice");
  assert.ok(sweep.failures.length > 0, "a slow clock breaks mutual exclusion");
});

Deno.test("Raft replicas of the lease service agree on every grant and its stamp", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const params = LeaseLockParamsSchema.parse({
      runMs: 800,
      faultsPerSecond: 4,
      faultsUntilMs: 600,
    });
    const result = runTrial(leaseLockTrial, params, seed);
    assert.equal(result.failure, undefined, `seed ${seed}`);
    const replicas = LEASE_SERVERS
      .map((id) => result.system.simulation.node<RaftNode<LeaseLockService>>(id))
      .filter((node) => node !== undefined)
      // A replica behind the others may not have applied a later release or renewal yet,
      // so compare what a grant fixes once made: who, which token, at what service time.
      .map((node) => node.stateMachine.grants.map((g) => `${g.owner}:${g.token}@${g.atMs}`));
    const longest = replicas.reduce((a, b) => (b.length > a.length ? b : a));
    assert.ok(longest.length > 5, `seed ${seed}: grants were made`);
    for (const grants of replicas) assert.deepEqual(grants, longest.slice(0, grants.length));
    // Time came from the leaders' stamps: grants are in time order.
    const times = longest.map((g) => Number(g.split("@")[1]));
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!);
  }
});
