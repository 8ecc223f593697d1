import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../lib/config/mod.ts";
import { type BreakerFlaw, breakerTrial, CircuitBreaker } from "../../lib/resilience/mod.ts";

Deno.test("CircuitBreaker: closed → open → half-open → closed, one probe at a time", () => {
  const breaker = new CircuitBreaker({ windowCalls: 4, failureRateThreshold: 0.5, openMs: 100 });
  for (let t = 0; t < 4; t++) breaker.onFailure(breaker.allow(t)!, t);
  assert.equal(breaker.state, "open");
  assert.equal(breaker.allow(50), null);
  assert.equal(breaker.allow(102.9), null);
  const probe = breaker.allow(103);
  assert.ok(probe?.probe);
  assert.equal(breaker.state, "half-open");
  assert.equal(breaker.allow(104), null, "a second call while the probe is out fails fast");
  breaker.onSuccess(probe!, 110);
  assert.equal(breaker.state, "closed");
  assert.deepEqual(breaker.transitions.map((t) => `${t.from}>${t.to}@${t.atMs}`), [
    "closed>open@3",
    "open>half-open@103",
    "half-open>closed@110",
  ]);
  assert.equal(breaker.rejected, 3);
});

Deno.test("CircuitBreaker: a failed probe opens it again for another openMs", () => {
  const breaker = new CircuitBreaker({ windowCalls: 1, openMs: 100 });
  breaker.onFailure(breaker.allow(0)!, 0);
  const probe = breaker.allow(100)!;
  breaker.onFailure(probe, 120);
  assert.equal(breaker.state, "open");
  assert.equal(breaker.allow(219), null);
  assert.ok(breaker.allow(220)?.probe);
});

Deno.test("CircuitBreaker: a slow call from the closed state cannot pass for the probe", () => {
  const breaker = new CircuitBreaker({ windowCalls: 2, openMs: 100 });
  const slow = breaker.allow(0)!;
  breaker.onFailure(breaker.allow(1)!, 1);
  breaker.onFailure(breaker.allow(2)!, 2); // window [fail, fail] → open
  assert.equal(breaker.state, "open");
  const probe = breaker.allow(150)!;
  breaker.onSuccess(slow, 151); // granted while closed: no evidence about now
  assert.equal(breaker.state, "half-open");
  breaker.onSuccess(probe, 160);
  assert.equal(breaker.state, "closed");
});

Deno.test("CircuitBreaker opens exactly when a full window reaches the failure rate (vs a naive model)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      fc.array(fc.boolean(), { maxLength: 60 }),
      (windowCalls, threshold, outcomes) => {
        const breaker = new CircuitBreaker({ windowCalls, failureRateThreshold: threshold });
        const seen: boolean[] = [];
        for (const [t, failed] of outcomes.entries()) {
          const permit = breaker.allow(t);
          assert.ok(permit !== null, "stays closed until the naive model says open");
          if (failed) breaker.onFailure(permit, t);
          else breaker.onSuccess(permit, t);
          seen.push(failed);
          const last = seen.slice(-windowCalls);
          const shouldOpen = last.length === windowCalls &&
            last.filter(Boolean).length >= threshold * windowCalls;
          assert.equal(breaker.state, shouldOpen ? "open" : "closed");
          if (shouldOpen) return;
        }
      },
    ),
  );
});

Deno.test("breakerTrial: the breaker keeps every rule over 1,000 seeds", () => {
  let opened = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    const result = breakerTrial(seed);
    assert.equal(result.violation, null, `seed ${seed}: ${result.violation}`);
    assert.ok(result.maxProbesOut <= 1);
    if (result.opened) opened++;
  }
  assert.ok(opened > 950, `the trials must exercise the breaker: opened in ${opened}`);
});

for (
  const [flaw, rule] of [
    ["never-closes", /still open .* after the dependency recovered/],
    ["many-probes", /probes out at once in half-open/],
  ] as const satisfies readonly (readonly [BreakerFlaw, RegExp])[]
) {
  Deno.test(`breakerTrial catches a breaker with the flaw "${flaw}" within 20 seeds`, () => {
    const caught = firstCaught((seed) => breakerTrial(seed, { breaker: { flaw } }).violation);
    assert.ok(caught !== undefined && caught.seed <= 20, `caught at ${caught?.seed}`);
    assert.match(caught.violation, rule);
  });
}

Deno.test("CircuitBreaker options are validated", () => {
  assert.throws(() => new CircuitBreaker({ windowCalls: 0 }), ConfigError);
  assert.throws(() => new CircuitBreaker({ failureRateThreshold: 0 }), /failureRateThreshold/);
  assert.throws(() => new CircuitBreaker({ openMs: -1 }), /openMs: must be greater than 0 ms/);
});

function firstCaught(
  violationOf: (seed: number) => string | null,
  seeds = 200,
): { seed: number; violation: string } | undefined {
  for (let seed = 1; seed <= seeds; seed++) {
    const violation = violationOf(seed);
    if (violation !== null) return { seed, violation };
  }
  return undefined;
}
