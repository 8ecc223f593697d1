import assert from "node:assert/strict";
import { symbolKey } from "../../lib/viz/mod.ts";

Deno.test("symbolKey draws one sized symbol per item, with its words and the key's label", () => {
  const key = symbolKey([
    { shapes: [["rect", { width: "15", height: "15", fill: "red" }]], text: "crashed" },
    { shapes: [["circle", { r: "5" }], ["path", { d: "M0,0H8" }]], text: "event" },
  ], { label: "test key", sizePx: 12 });
  const html = key.outerHTML;
  assert.match(html, /aria-label="test key"/);
  assert.equal(html.match(/<svg /g)?.length, 2);
  assert.equal(html.match(/width="12"/g)?.length, 2);
  assert.match(html, /<rect [^>]*fill="red"/);
  assert.ok(html.indexOf("crashed") < html.indexOf("event"));
  assert.equal(html.match(/<path /g)?.length, 1);
});
