import assert from "node:assert/strict";
import {
  CAP_SITUATIONS,
  type CapPrediction,
  type CapSituation,
  checkCapPredictions,
} from "../../lib/exercises/mod.ts";

const ANSWERS = {
  "raft-kv / partition": { minority: "refuses", majority: "answers", linearizable: "always" },
  "raft-kv / crash": { minority: "answers", majority: "answers", linearizable: "always" },
  "quorum-kv / partition": { minority: "answers", majority: "answers", linearizable: "not always" },
  "lww-kv / partition": { minority: "answers", majority: "answers", linearizable: "not always" },
  "lww-kv / crash": { minority: "answers", majority: "answers", linearizable: "not always" },
} satisfies Record<CapSituation, CapPrediction>;

Deno.test("checkCapPredictions accepts the right predictions", () => {
  const result = checkCapPredictions(ANSWERS);
  assert.equal(result.passed, true, String(result));
  assert.equal(result.rows.length, CAP_SITUATIONS.length);
});

Deno.test("checkCapPredictions refuses 'pick two' folklore: a CP store that answers on both sides", () => {
  const result = checkCapPredictions({
    ...ANSWERS,
    "raft-kv / partition": { minority: "answers", majority: "answers", linearizable: "always" },
  });
  assert.equal(result.passed, false);
  assert.match(String(result), /raft-kv \/ partition: minority is "refuses", not "answers"/);
});

Deno.test("checkCapPredictions refuses a crash treated as a partition, and a missing answer", () => {
  const { ["lww-kv / crash"]: _, ...partial } = ANSWERS;
  const result = checkCapPredictions({
    ...partial,
    "raft-kv / crash": { minority: "refuses", majority: "answers", linearizable: "always" },
  });
  assert.equal(result.passed, false);
  assert.match(String(result), /raft-kv \/ crash: minority is "answers"/);
  assert.match(String(result), /lww-kv \/ crash: no prediction/);
});
