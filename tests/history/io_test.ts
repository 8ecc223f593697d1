import assert from "node:assert/strict";
import {
  HistoryError,
  historyFromJson,
  historyToJson,
  loadHistory,
  saveHistory,
} from "../../lib/history/mod.ts";

const history = [
  { process: 0, type: "invoke" as const, f: "cas", key: "x", value: [1, 2], time: 0.5 },
  { process: 0, type: "ok" as const, f: "cas", key: "x", value: [1, 2], time: 3 },
  { process: "c", type: "invoke" as const, f: "read", value: null },
];

Deno.test("historyToJson writes one record per line and historyFromJson reads it back", () => {
  const text = historyToJson(history);
  assert.equal(text.split("\n").length, history.length + 3);
  assert.match(
    text,
    /^\[\n\{"process":0,"type":"invoke","f":"cas","key":"x","value":\[1,2\],"time":0.5\},\n/,
  );
  assert.deepEqual(historyFromJson(text), history);
  assert.equal(historyToJson([]), "[]\n");
});

Deno.test("historyFromJson reports text that is not JSON without an index", () => {
  assert.throws(
    () => historyFromJson("[{"),
    (error: unknown) =>
      error instanceof HistoryError && error.index === undefined &&
      /not valid JSON/.test(error.reason),
  );
});

Deno.test("saveHistory and loadHistory round-trip through a file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await saveHistory(path, history);
    assert.deepEqual(await loadHistory(path), history);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("loadHistory names the file and the bad record", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      path,
      JSON.stringify([{ process: 0, type: "ok", f: "read", value: 1 }]),
    );
    await assert.rejects(() => loadHistory(path), (error: unknown) => {
      assert.ok(error instanceof HistoryError);
      assert.equal(error.index, 0);
      assert.equal(error.source, path);
      assert.equal(
        error.message,
        `Cannot read history ${path}: operation 0: ok on process 0 without an open invoke`,
      );
      return true;
    });
  } finally {
    await Deno.remove(path);
  }
});
