import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  Bulkhead,
  Deadline,
  IdempotencyStore,
  RetryBudget,
  simulateCallChain,
  simulateDeposits,
  TokenBucket,
} from "../../lib/resilience/mod.ts";

Deno.test("TokenBucket lets through at most capacity + rate·t in any run of t seconds", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1, max: 50, noNaN: true }),
      fc.double({ min: 0, max: 500, noNaN: true }),
      fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 1, maxLength: 300 }),
      (capacity, refillPerSecond, gapsMs) => {
        const bucket = new TokenBucket({ capacity, refillPerSecond });
        let t = 0;
        const taken: number[] = [];
        for (const gap of gapsMs) {
          t += gap;
          if (bucket.tryTake(t)) taken.push(t);
          const tokens = bucket.tokens(t);
          assert.ok(tokens >= 0 && tokens <= capacity + 1e-9);
        }
        // Every window [taken[i], taken[j]] holds at most capacity + rate·(span) takes.
        for (let i = 0; i < taken.length; i++) {
          for (let j = i; j < taken.length; j++) {
            const spanS = (taken[j]! - taken[i]!) / 1000;
            assert.ok(j - i + 1 <= capacity + refillPerSecond * spanS + 1e-6);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("TokenBucket refills at its rate and refuses to go back in time", () => {
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 });
  assert.ok(bucket.tryTake(0) && bucket.tryTake(0));
  assert.equal(bucket.tryTake(0), false);
  assert.equal(bucket.tryTake(99), false);
  assert.ok(bucket.tryTake(100));
  assert.throws(() => bucket.tryTake(50), RangeError);
  assert.throws(
    () => new TokenBucket({ capacity: 1, refillPerSecond: 1, initialTokens: 2 }),
    ConfigError,
  );
});

Deno.test("RetryBudget: retries never exceed ratio × requests + capacity, whatever fails", () => {
  fc.assert(fc.property(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 20 }),
    fc.array(fc.boolean(), { maxLength: 500 }),
    (ratio, capacity, script) => {
      const budget = new RetryBudget({ ratio, capacity });
      let retries = 0, requests = 0;
      for (const isRequest of script) {
        if (isRequest) {
          budget.onRequest();
          requests++;
        } else if (budget.tryRetry()) retries++;
      }
      assert.ok(retries <= ratio * requests + capacity + 1e-6);
      assert.equal(budget.retries, retries);
    },
  ));
});

Deno.test("RetryBudget: ten requests at ratio 0.1 earn one retry", () => {
  const budget = new RetryBudget({ ratio: 0.1, capacity: 1 });
  assert.ok(budget.tryRetry());
  assert.equal(budget.tryRetry(), false);
  for (let i = 0; i < 10; i++) budget.onRequest();
  assert.ok(budget.tryRetry());
});

Deno.test("Bulkhead never runs more than maxConcurrent nor queues more than maxQueue, FIFO", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 0, max: 5 }),
    fc.array(fc.boolean(), { maxLength: 200 }),
    (maxConcurrent, maxQueue, script) => {
      const pool = new Bulkhead<number>({ maxConcurrent, maxQueue });
      const queued: number[] = [];
      let next = 0;
      for (const enter of script) {
        if (enter) {
          const id = next++;
          const admission = pool.enter(id);
          if (admission === "queued") queued.push(id);
        } else if (pool.running > 0) {
          assert.equal(pool.leave(), queued.shift());
        }
        assert.ok(pool.running <= maxConcurrent && pool.waiting <= maxQueue);
        assert.equal(pool.waiting, queued.length);
      }
    },
  ));
  assert.throws(() => new Bulkhead({ maxConcurrent: 1 }).leave(), /no call is running/);
});

Deno.test("Deadline: the budget passed on shrinks by the time spent and the reserve", () => {
  fc.assert(fc.property(
    // Whole milliseconds keep the arithmetic exact (start + budget − now = budget − elapsed).
    fc.integer({ min: 0, max: 1e6 }),
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: 2000 }),
    fc.integer({ min: 0, max: 100 }),
    (startMs, budgetMs, elapsedMs, reserveMs) => {
      const deadline = Deadline.after(startMs, budgetMs);
      const now = startMs + elapsedMs;
      const passed = deadline.budgetForCall(now, reserveMs);
      assert.ok(passed >= 0 && passed <= Math.max(0, budgetMs - elapsedMs));
      assert.equal(deadline.expired(now), elapsedMs >= budgetMs);
      assert.equal(passed, Math.max(0, budgetMs - elapsedMs - reserveMs));
    },
  ));
  assert.throws(() => Deadline.after(0, -1), RangeError);
});

Deno.test("IdempotencyStore does an operation once per key", () => {
  const store = new IdempotencyStore<number>();
  let balance = 0;
  assert.equal(store.run("k", () => balance += 10), 10);
  assert.equal(store.run("k", () => balance += 10), 10);
  assert.equal(balance, 10);
  assert.equal(store.replays, 1);
});

Deno.test("retried deposits: without keys money is added twice, with keys exactly once (50 seeds)", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const withKeys = simulateDeposits({ keys: true, deposits: 100 }, seed);
    const without = simulateDeposits({ keys: false, deposits: 100 }, seed);
    assert.equal(withKeys.applied, 100, `seed ${seed}`);
    assert.equal(withKeys.balance, 100);
    assert.ok(without.applied > 100, `seed ${seed}: lost replies must cause double deposits`);
    assert.equal(without.attempts, withKeys.attempts, "same seed, same losses, same retries");
  }
  // No loss, no retries: keys change nothing.
  assert.equal(simulateDeposits({ keys: false, lossProbability: 0 }, 1).applied, 200);
});

Deno.test("deadline propagation stops the work nobody waits for", () => {
  for (const seed of [1, 2, 3]) {
    const fixed = simulateCallChain({ propagate: false, clientTimeoutMs: 60 }, seed);
    const propagated = simulateCallChain({ propagate: true, clientTimeoutMs: 60 }, seed);
    assert.equal(fixed.requests, propagated.requests);
    assert.ok(fixed.wastedWorkMs > 0.2 * fixed.workMs, `seed ${seed}: ${fixed.wastedWorkMs}`);
    assert.ok(propagated.wastedWorkMs < 0.01 * propagated.workMs);
    assert.ok(propagated.workMs < fixed.workMs);
  }
});
