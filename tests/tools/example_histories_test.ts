import assert from "node:assert/strict";
import { checkLinearizable } from "../../lib/check/mod.ts";
import { historyFromJson } from "../../lib/history/mod.ts";
import {
  EXAMPLE_HISTORIES,
  EXAMPLE_HISTORIES_DIR,
  exampleHistoryText,
} from "../../tools/example_histories.ts";

for (const example of EXAMPLE_HISTORIES) {
  Deno.test(`data/histories/${example.file} is the run it documents, with its verdict`, async () => {
    const text = await Deno.readTextFile(new URL(example.file, EXAMPLE_HISTORIES_DIR));
    assert.equal(text, exampleHistoryText(example), "regenerate with deno task data:histories");
    assert.equal(checkLinearizable(historyFromJson(text)).valid, example.linearizable);
  });
}
