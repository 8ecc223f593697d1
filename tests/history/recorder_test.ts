import assert from "node:assert/strict";
import { HistoryRecorder, parseHistory } from "../../lib/history/mod.ts";

Deno.test("HistoryRecorder records invokes and completions with the clock's time", () => {
  let now = 0;
  const recorder = new HistoryRecorder({ now: () => now });
  recorder.invoke("c1", "write", 3);
  now = 2;
  recorder.invoke("c2", "read", null);
  now = 5;
  recorder.ok("c1");
  recorder.ok("c2", 3);
  assert.deepEqual(recorder.history, [
    { process: 0, type: "invoke", f: "write", value: 3, time: 0 },
    { process: 1, type: "invoke", f: "read", value: null, time: 2 },
    { process: 0, type: "ok", f: "write", value: 3, time: 5 },
    { process: 1, type: "ok", f: "read", value: 3, time: 5 },
  ]);
  parseHistory(recorder.history);
});

Deno.test("HistoryRecorder gives a client a new process after an info", () => {
  const recorder = new HistoryRecorder();
  assert.equal(recorder.invoke("c1", "write", 1), 0);
  recorder.info("c1");
  assert.equal(recorder.invoke("c2", "write", 2), 1);
  recorder.fail("c2");
  assert.equal(recorder.invoke("c1", "write", 3), 2, "a fresh process after the info");
  assert.equal(recorder.invoke("c2", "read", null), 1, "fail keeps the process");
  assert.equal(recorder.size, 6);
  assert.ok(recorder.isOpen("c1"));
  const history = parseHistory(recorder.history);
  assert.equal(history[1]!.type, "info");
  assert.equal(history[1]!.time, undefined);
});

Deno.test("HistoryRecorder records keys", () => {
  const recorder = new HistoryRecorder();
  recorder.invoke("c1", "cas", [1, 2], { key: "x" });
  recorder.ok("c1");
  assert.deepEqual(recorder.history.map((op) => op.key), ["x", "x"]);
});

Deno.test("HistoryRecorder refuses a second open call and a completion without a call", () => {
  const recorder = new HistoryRecorder();
  recorder.invoke("c1", "read", null);
  assert.throws(() => recorder.invoke("c1", "read", null), /its previous read has not completed/);
  assert.throws(() => recorder.ok("c2", 1), /Cannot record ok for "c2": it has no open call/);
  assert.throws(() => recorder.invoke("c3", "", null), TypeError);
});

Deno.test("HistoryRecorder.history is a copy", () => {
  const recorder = new HistoryRecorder();
  recorder.invoke("c1", "read", null);
  const before = recorder.history;
  recorder.ok("c1", null);
  assert.equal(before.length, 1);
  assert.equal(recorder.history.length, 2);
});
