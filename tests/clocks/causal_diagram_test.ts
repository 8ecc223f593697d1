import assert from "node:assert/strict";
import {
  causalDiagram,
  causalPointRows,
  formatVector,
  runCausalScript,
  VectorClock,
} from "../../lib/clocks/mod.ts";
import { count, parseMarkup, select, texts, titles } from "../viz/helpers.ts";

// n1 sends to n2 and n3; n3 does a local event before the message arrives; n2 replies.
const run = runCausalScript({
  nodes: 3,
  actions: [
    { node: 0, atMs: 0, kind: "send", to: 1 },
    { node: 0, atMs: 1, kind: "send", to: 2 },
    { node: 2, atMs: 2, kind: "local" },
    { node: 1, atMs: 30, kind: "send", to: 0 },
  ],
  latency: { kind: "constant", ms: 10 },
}, { vector: (ctx) => new VectorClock(ctx.id) });
const labels = run.stamps.vector.map((v) => formatVector(v, run.nodeIds));

Deno.test("causalPointRows relates every event to the focus: past, future, concurrent", () => {
  // Event 1 is n1's send to n3 at 1 ms.
  const rows = causalPointRows(run.truth, { nodes: run.nodeIds, labels, focus: 1 });
  assert.equal(rows.length, run.truth.events.length);
  const byLabel = Object.fromEntries(rows.map((r) => [`${r.node} ${r.kind} ${r.t}`, r.relation]));
  assert.deepEqual(byLabel, {
    "n1 send 0": "past",
    "n1 send 1": "focus",
    "n3 local 2": "concurrent",
    "n2 receive 10": "concurrent",
    "n3 receive 11": "future",
    "n2 send 30": "concurrent",
    "n1 receive 40": "future",
  });
  assert.throws(() => causalPointRows(run.truth, { nodes: run.nodeIds, focus: 99 }), RangeError);
});

Deno.test("causalDiagram draws a dot and a label per event, one arrow per message", () => {
  const html = causalDiagram(run.simulation.trace, run.truth, { labels, title: "Vectors" }).html;
  assert.equal(count(html, "g.clocks-event circle"), run.truth.events.length);
  assert.deepEqual(texts(html, "g.clocks-label text").sort(), [...labels].sort());
  assert.equal(count(html, "g.viz-message path"), 3);
  assert.ok(
    titles(html, "g.clocks-event").some((t) => t.includes("n3 local") && t.includes("[0,0,1]")),
  );
  // Local events are dots of their own, not the diagram's note diamonds.
  assert.equal(count(html, "g.viz-note path"), 0);
});

Deno.test("causalDiagram colours by relation to the focus, keys the colours, rings highlights", () => {
  const html = causalDiagram(run.simulation.trace, run.truth, { focus: 1, highlight: [0, 4] })
    .html;
  const fills = select(html, "g.clocks-event circle").map((c) => c.getAttribute("fill"));
  assert.equal(fills.filter((f) => f === "#ff8c00").length, 3, "three concurrent events");
  assert.equal(count(html, "g.clocks-highlight circle"), 2);
  const key = parseMarkup(html).querySelector('[aria-label="event key"]');
  assert.ok(key?.textContent?.includes("concurrent with it"));
  assert.throws(
    () => causalDiagram(run.simulation.trace, run.truth, { highlight: [-1] }),
    RangeError,
  );
});

Deno.test("causalDiagram draws events of one node at the same instant side by side", () => {
  const twin = runCausalScript({
    nodes: 2,
    actions: [
      { node: 0, atMs: 0, kind: "local" },
      { node: 0, atMs: 0, kind: "local" },
      { node: 1, atMs: 0, kind: "local" },
    ],
  }, {});
  const rows = causalPointRows(twin.truth, { nodes: twin.nodeIds });
  assert.deepEqual(rows.map((r) => r.slot), [0, 1, 0]);
  const html = causalDiagram(twin.simulation.trace, twin.truth, { labels: ["a", "b", "c"] }).html;
  const xs = select(html, "g.clocks-event").map((g) => g.getAttribute("transform") ?? "");
  assert.equal(xs.length, 2, "one group of dots per slot");
  assert.notEqual(xs[0], xs[1]);
});

Deno.test("causalDiagram puts labels left of events near the right edge, so none is cut", () => {
  const html = causalDiagram(run.simulation.trace, run.truth, { labels }).html;
  const last = run.truth.events.at(-1)!;
  const leftward = texts(html, 'g.clocks-label[text-anchor="end"] text');
  assert.deepEqual(leftward, [labels[last.index]]);
  assert.equal(texts(html, "g.clocks-label text").length, labels.length);
});
