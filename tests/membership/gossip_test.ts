import assert from "node:assert/strict";
import { pushRoundsEstimate, spreadRumor } from "../../lib/membership/mod.ts";

const SEEDS = 100;

function meanRounds(n: number, mode: "push" | "pull" | "push-pull"): number {
  let total = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const run = spreadRumor({ n, mode }, seed);
    assert.equal(run.complete, true);
    total += run.rounds;
  }
  return total / SEEDS;
}

Deno.test("push gossip reaches everyone in about log2 n + ln n rounds (Pittel 1987)", () => {
  for (const n of [64, 256, 1024, 4096]) {
    const mean = meanRounds(n, "push");
    // Pittel's result is log2 n + ln n + O(1); the constant measures about +1.2 here, and
    // the mean of 100 runs has a standard error near 0.1: 2 rounds of slack.
    assert.ok(Math.abs(mean - pushRoundsEstimate(n)) < 2, `n = ${n}: ${mean} rounds`);
  }
});

Deno.test("pull and push-pull finish faster than push once the group is large", () => {
  for (const n of [256, 4096]) {
    const push = meanRounds(n, "push");
    assert.ok(meanRounds(n, "pull") < push);
    // Push-pull: about log3 n + O(log log n), roughly half of push's rounds.
    assert.ok(meanRounds(n, "push-pull") < 0.65 * push);
  }
});

Deno.test("push gossip sends one message per informed node per round", () => {
  const run = spreadRumor({ n: 500, mode: "push" }, 3);
  const expected = run.informedByRound.slice(0, -1).reduce((sum, informed) => sum + informed, 0);
  assert.equal(run.messages, expected);
  assert.equal(run.informedByRound.at(-1), 500);
  // The informed set never shrinks and at most doubles in a push round.
  for (let r = 1; r < run.informedByRound.length; r++) {
    const before = run.informedByRound[r - 1] as number, after = run.informedByRound[r] as number;
    assert.ok(after >= before && after <= 2 * before);
  }
});

Deno.test("spreadRumor is deterministic and validates its options", () => {
  assert.deepEqual(
    spreadRumor({ n: 300, mode: "pull" }, 9),
    spreadRumor({ n: 300, mode: "pull" }, 9),
  );
  assert.throws(() => spreadRumor({ n: 1 }, 1), /gossip.n: must be at least 2/);
  assert.throws(() => spreadRumor({ lossProbability: 2 }, 1), /gossip.lossProbability/);
  const lossy = spreadRumor({ n: 1000, lossProbability: 0.5 }, 1);
  assert.equal(lossy.complete, true);
});
