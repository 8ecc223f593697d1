import assert from "node:assert/strict";
import {
  checkQuorumChoice,
  checkRepairRule,
  referenceRepairRule,
  wrongRepairRule,
} from "../../lib/exercises/mod.ts";

Deno.test("checkQuorumChoice accepts only R = 2, W = 1 for YMMR's budget", () => {
  const passed: string[] = [];
  for (let r = 1; r <= 3; r++) {
    for (let w = 1; w <= 3; w++) {
      const result = checkQuorumChoice({ r, w });
      if (result.passed) passed.push(`${r},${w}`);
      assert.equal(result.rows.length, 1);
    }
  }
  assert.deepEqual(passed, ["2,1"]);
  assert.match(String(checkQuorumChoice({ r: 3, w: 1 })), /reads take .* over the 50 ms budget/);
  assert.match(String(checkQuorumChoice({ r: 1, w: 1 })), /are consistent; 99% are required/);
  assert.equal(checkQuorumChoice({ r: 0, w: 1 }).passed, false);
});

Deno.test("checkRepairRule accepts the merge and catches the overwrite", () => {
  assert.equal(checkRepairRule(referenceRepairRule, { seeds: 50 }).passed, true);
  const wrong = checkRepairRule(wrongRepairRule);
  assert.equal(wrong.passed, false);
  assert.match(String(wrong), /a write newer than the repair arrived meanwhile/);
});

Deno.test("checkRepairRule's sweep catches a rule that passes the table", () => {
  // Right on every case of the table, wrong when versions tie on timestamp: keeps the
  // incoming one, whoever wrote it.
  const sneaky = (current: readonly { ts: number }[], incoming: readonly { ts: number }[]) => {
    const mine = current.at(-1), theirs = incoming.at(-1);
    if (mine !== undefined && theirs !== undefined && mine.ts > theirs.ts) return current;
    return incoming;
  };
  const result = checkRepairRule(sneaky as never, { seeds: 300 });
  assert.equal(result.passed, false, String(result));
  assert.match(String(result), /fault sweep broke at seed \d+/);
});
