import assert from "node:assert/strict";
import { checkLinearizable, describeEvidence, describeResult } from "../../lib/check/mod.ts";
import { h } from "./helpers.ts";

Deno.test("describeResult says linearizable in one line", () => {
  const text = describeResult(checkLinearizable(h("0 invoke write 1", "0 ok write 1")));
  assert.match(text, /^Linearizable \(register, 1 operation searched in 1 step\)\.$/);
});

Deno.test("describeResult lays out the evidence of a stale read", () => {
  const history = h(
    "0 invoke write 1",
    "0 ok write 1",
    "0 invoke write 2",
    "0 ok write 2",
    "2 invoke write 3",
    "1 invoke read",
    "1 ok read 1",
  );
  const text = describeResult(checkLinearizable(history));
  const lines = text.split("\n");
  assert.match(lines[0]!, /^Not linearizable \(register, 3 operations searched/);
  assert.match(lines[1]!, /^p1 read → 1 \(events 5 to 6 of the history\) cannot be linearized/);
  assert.ok(lines.includes("  p0 write 2  [events 2–3]"), text);
  assert.ok(lines.includes("The register then holds 2."), text);
  assert.ok(
    lines.some((line) =>
      /^→ p1 read → 1 +\[events 5–6\] +returned 1, but the register holds 2$/.test(line)
    ),
    text,
  );
  assert.ok(
    lines.some((line) =>
      /^ {2}p2 write 3\? +\[event 4–…\) +writes 3, which no operation observes/.test(line)
    ),
    text,
  );
});

Deno.test("describeEvidence shows only the end of a long prefix", () => {
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) lines.push(`0 invoke write ${i}`, `0 ok write ${i}`);
  lines.push("1 invoke read", "1 ok read 3");
  const { evidence } = checkLinearizable(h(...lines));
  const text = describeEvidence(evidence!, { prefixOperations: 3 });
  assert.match(
    text,
    /12 operations, in the order they take effect \(last 3\):\n {2}… 9 earlier\n {2}p0 write 9 /,
  );
  assert.throws(() => describeEvidence(evidence!, { prefixOperations: -1 }), RangeError);
});

Deno.test("describeResult gives the reason of an unknown verdict", () => {
  const history = h("0 invoke write 1", "1 invoke write 2", "0 ok write 1", "1 ok write 2");
  assert.match(
    describeResult(checkLinearizable(history, { maxSteps: 1 })),
    /^Unknown: the budget of 1 steps ran out/,
  );
});

Deno.test("describeResult speaks in ms when the history has times, as the figures' axis does", () => {
  const timed = h(
    "0 invoke write 1",
    "0 ok write 1",
    "0 invoke write 2",
    "0 ok write 2",
    "1 invoke read",
    "1 ok read 1",
  ).map((op, i) => ({ ...op, time: 10 * i + 0.25 }));
  const text = describeResult(checkLinearizable(timed));
  assert.match(text, /p1 read → 1 \(invoked at 40\.25 ms, completed at 50\.25 ms\) cannot/);
  assert.match(text, /p0 write 2 +\[20\.25–30\.25 ms\]/);
  assert.match(text, /Pending when p1 read → 1 completes \(at 50\.25 ms\):/);
  assert.doesNotMatch(text, /\[\d+–\d+\]|events? \d/);
});
