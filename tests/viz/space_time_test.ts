import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import type { TraceRecord } from "../../lib/sim/mod.ts";
import { Plot, spaceTimeDiagram, spaceTimeRows } from "../../lib/viz/mod.ts";
import { count, faultyRun, NODES, parseMarkup, select, texts, titles } from "./helpers.ts";

const sim = faultyRun();
const trace = sim.trace;
const delivered = trace.ofKind("deliver");
const dropped = trace.ofKind("drop");
const figure = spaceTimeDiagram(trace, { title: "Faulty gossip" });
const html = figure.html;

Deno.test("the fixture run has every kind of event the diagram draws", () => {
  const reasons = new Set(dropped.map((d) => d.reason));
  assert.deepEqual([...reasons].sort(), ["crashed", "loss", "partition"]);
  for (const kind of ["crash", "restart", "pause", "resume", "partition", "heal", "note"]) {
    assert.ok(trace.records.some((r) => r.kind === kind), `no ${kind} record`);
  }
});

Deno.test("spaceTimeDiagram labels one lane per node, in start order", () => {
  const labels = texts(html, "g.viz-lane-label text");
  assert.deepEqual(labels, [...NODES]);
  assert.equal(count(html, "g.viz-lane line"), NODES.length);
});

Deno.test("spaceTimeDiagram draws one arrow path per delivered message", () => {
  assert.ok(delivered.length > 20);
  assert.equal(count(html, "g.viz-message path"), delivered.length);
  const first = delivered[0] as Extract<TraceRecord, { kind: "deliver" }>;
  const arrowTitles = titles(html, "g.viz-message");
  assert.ok(
    arrowTitles.some((t) => t.includes(`${first.from} → ${first.to}`) && t.includes("delivered")),
  );
});

Deno.test("spaceTimeDiagram draws each dropped message cut short with an ✕ and its reason", () => {
  assert.equal(count(html, "g.viz-drop path"), dropped.length);
  assert.equal(count(html, "g.viz-drop-mark path"), dropped.length);
  const dropTitles = titles(html, "g.viz-drop");
  assert.equal(dropTitles.filter((t) => t.includes("cut by a partition")).length, 11);
  assert.ok(dropTitles.some((t) => t.includes("lost by the network")));
  assert.ok(dropTitles.some((t) => t.includes("destination was crashed")));
  // Dashed, unlike delivered arrows.
  assert.equal(
    parseMarkup(html).querySelector("g.viz-drop")?.getAttribute("stroke-dasharray"),
    "4,3",
  );
});

Deno.test("spaceTimeRows stops lost and partitioned messages halfway, crashed ones at the lane", () => {
  const rows = spaceTimeRows(trace);
  assert.equal(rows.drops.length, dropped.length);
  for (const drop of rows.drops) {
    if (drop.reason === "crashed") {
      assert.equal(drop.y2, drop.toLane);
      assert.equal(drop.x2, drop.endAt);
    } else {
      assert.equal(drop.y2, (drop.fromLane + drop.toLane) / 2);
      assert.ok(drop.x2 > drop.x1, "a drop is drawn with some length");
    }
  }
  assert.ok(rows.messages.every((m) => m.y2 === m.toLane && m.x2 === m.endAt));
});

Deno.test("spaceTimeDiagram shades the crash, the pause and the partition", () => {
  assert.equal(count(html, "g.viz-crashed rect"), 1);
  assert.equal(count(html, "g.viz-paused rect"), 1);
  assert.equal(count(html, "g.viz-partition rect"), 1);
  assert.deepEqual(titles(html, "g.viz-crashed"), ["n3 crashed at 130 ms, restarted at 170 ms"]);
  assert.deepEqual(titles(html, "g.viz-paused"), ["n2 paused at 200 ms, resumed at 230 ms"]);
  const [partition] = titles(html, "g.viz-partition");
  assert.match(partition ?? "", /partition \{n1 n2\} \| \{n3 n4\} at 60 ms, healed at 110 ms/);
  assert.match(partition ?? "", /cut: n1 ↔ n3, n1 ↔ n4, n2 ↔ n3, n2 ↔ n4/);
  const key = parseMarkup(html).querySelector('[aria-label="fault key"]')?.textContent ?? "";
  for (const word of ["crashed", "paused", "partitioned", "dropped", "note"]) {
    assert.ok(key.includes(word), `key lacks ${word}`);
  }
});

Deno.test("spaceTimeDiagram shades a crash without restart to the end of the window", () => {
  const rows = spaceTimeRows(trace, { toMs: 150 });
  const [crash] = rows.intervals;
  assert.deepEqual(
    { kind: crash?.kind, startMs: crash?.startMs, endMs: crash?.endMs, ended: crash?.ended },
    { kind: "crashed", startMs: 130, endMs: 150, ended: false },
  );
});

Deno.test("spaceTimeDiagram marks notes and escapes their text", () => {
  assert.equal(count(html, "g.viz-note path"), trace.ofKind("note").length);
  assert.ok(html.includes("watch &lt;this&gt; &amp; that"));
  assert.ok(!html.includes("<this>"));
});

Deno.test("spaceTimeDiagram colours messages by type, with a legend", () => {
  const legend = texts(html, ".plot-d6a7b5-swatch");
  assert.deepEqual(legend.sort(), ["Gossip", "Ping", "Pong"]);
  const strokes = new Set(
    select(html, "g.viz-message path").map((p) => p.getAttribute("stroke")),
  );
  assert.equal(strokes.size, 3);
});

Deno.test("spaceTimeDiagram keeps each message type's colour in any window", () => {
  const colourOf = (markup: string) =>
    new Map(
      select(markup, "g.viz-message path").map((p) => [
        (p.textContent ?? "").split(" ")[0],
        p.getAttribute("stroke"),
      ]),
    );
  const full = colourOf(html);
  const late = colourOf(spaceTimeDiagram(trace, { fromMs: 200, types: undefined }).html);
  for (const [type, colour] of late) assert.equal(colour, full.get(type), type);
  assert.deepEqual(spaceTimeRows(trace, { toMs: 5 }).types, ["Gossip", "Ping", "Pong"]);
});

Deno.test("spaceTimeDiagram colors option fixes the listed types' colours, others keep the palette", () => {
  const colourOf = (markup: string) =>
    new Map(
      select(markup, "g.viz-message path").map((p) => [
        (p.textContent ?? "").split(" ")[0],
        p.getAttribute("stroke"),
      ]),
    );
  const fixed = colourOf(spaceTimeDiagram(trace, { colors: { Ping: "#123456" } }).html);
  assert.equal(fixed.get("Ping"), "#123456");
  const plain = colourOf(html);
  assert.equal(fixed.get("Gossip"), plain.get("Gossip"));
  assert.notEqual(fixed.get("Pong"), "#123456");
});

Deno.test("spaceTimeDiagram fromMs and toMs keep only what overlaps the window", () => {
  const rows = spaceTimeRows(trace, { fromMs: 100, toMs: 180 });
  const inWindow = delivered.filter((d) => d.sentAt <= 180 && d.t >= 100);
  assert.equal(rows.messages.length, inWindow.length);
  assert.ok(rows.messages.length < delivered.length);
  assert.deepEqual(rows.intervals.map((i) => i.kind), ["crashed"]);
  assert.deepEqual(rows.partitions.map((p) => [p.startMs, p.endMs]), [[100, 110]]);
  const windowed = spaceTimeDiagram(trace, { fromMs: 100, toMs: 180 }).html;
  assert.equal(count(windowed, "g.viz-message path"), inWindow.length);
  assert.equal(count(windowed, "g.viz-paused rect"), 0);
});

Deno.test("spaceTimeDiagram nodes option picks and orders the lanes", () => {
  const subset = spaceTimeDiagram(trace, { nodes: ["n3", "n1"] }).html;
  const labels = texts(subset, "g.viz-lane-label text");
  assert.deepEqual(labels, ["n3", "n1"]);
  const between = delivered.filter((d) =>
    ["n1", "n3"].includes(d.from) && ["n1", "n3"].includes(d.to)
  );
  assert.equal(count(subset, "g.viz-message path"), between.length);
  assert.equal(count(subset, "g.viz-paused rect"), 0, "n2's pause is not drawn");
  const rows = spaceTimeRows(trace, { nodes: ["n3", "n1"] });
  assert.ok(rows.messages.every((m) => m.fromLane === (m.from === "n3" ? 0 : 1)));
  assert.deepEqual(rows.partitions[0]?.links, [["n1", "n3"], ["n3", "n1"]]);
});

Deno.test("spaceTimeDiagram types option keeps only those message types", () => {
  const pings = spaceTimeDiagram(trace, { types: ["Ping"] }).html;
  const expected = delivered.filter((d) => d.type === "Ping").length;
  assert.equal(count(pings, "g.viz-message path"), expected);
  assert.ok(titles(pings, "g.viz-message").every((t) => t.startsWith("Ping")));
});

Deno.test("spaceTimeDiagram maxMessages cuts the window short and says so in the caption", () => {
  const rows = spaceTimeRows(trace, { maxMessages: 10 });
  assert.equal(rows.truncated, true);
  assert.equal(rows.totalMessages, delivered.length + dropped.length);
  assert.ok(rows.messages.length + rows.drops.length <= 10);
  assert.ok(rows.toMs < 300);
  const small = spaceTimeDiagram(trace, { maxMessages: 10 }).html;
  const caption = parseMarkup(small).querySelector("figcaption")?.textContent ?? "";
  assert.match(caption, new RegExp(`Showing \\d+ of the ${rows.totalMessages} messages`));
  assert.ok(count(small, "g.viz-message path") + count(small, "g.viz-drop path") <= 10);
  assert.equal(spaceTimeRows(trace).truncated, false);
});

Deno.test("spaceTimeDiagram is deterministic: the same run gives the same bytes", () => {
  const again = spaceTimeDiagram(faultyRun().trace, { title: "Faulty gossip" }).html;
  assert.equal(again, html);
  const other = spaceTimeDiagram(faultyRun(4).trace, { title: "Faulty gossip" }).html;
  assert.notEqual(other, html);
});

Deno.test("spaceTimeDiagram markup is self-contained: no script, no http resource", () => {
  assert.ok(!/<script/i.test(html));
  assert.ok(!/(href|src)\s*=\s*"https?:/i.test(html));
  assert.ok(!/url\(\s*["']?https?:/i.test(html));
  assert.ok(!html.includes("http"));
});

Deno.test("spaceTimeDiagram accepts an array of records and extra marks", () => {
  const fromArray = spaceTimeDiagram(trace.records, {
    marks: [Plot.ruleX([150], { stroke: "green", className: "mine" })],
  }).html;
  assert.equal(count(fromArray, "g.viz-message path"), delivered.length);
  assert.equal(count(fromArray, "g.mine line"), 1);
});

Deno.test("spaceTimeDiagram draws an empty trace as an empty frame", () => {
  const empty = spaceTimeDiagram([]);
  assert.ok(empty.html.includes("<svg"));
  assert.equal(count(empty.html, "g.viz-message path"), 0);
});

Deno.test("spaceTimeDiagram rejects what is not a trace", () => {
  assert.throws(
    () => spaceTimeDiagram(undefined as never),
    (error: unknown) =>
      error instanceof TypeError && /expected a Trace or an array/.test(error.message),
  );
});

Deno.test("spaceTimeDiagram rejects bad options with a path and a reason", () => {
  assert.throws(
    () => spaceTimeDiagram(trace, { nodes: ["n1", "n9"] }),
    (error: unknown) =>
      error instanceof RangeError &&
      /Cannot draw lanes for "n9": not in the trace/.test(error.message),
  );
  assert.throws(
    () => spaceTimeDiagram(trace, { fromMs: 50, toMs: 10 }),
    /Cannot draw a space-time diagram from 50 ms to 10 ms/,
  );
  assert.throws(
    () => spaceTimeDiagram(trace, { maxMessages: 0 }),
    (error: unknown) =>
      error instanceof ConfigError && error.issues[0]?.path === "spaceTimeRows.maxMessages",
  );
  assert.throws(
    () => spaceTimeDiagram(trace, { fromMS: 5 } as never),
    (error: unknown) => error instanceof ConfigError && /fromMS/.test(error.message),
  );
  assert.throws(() => spaceTimeDiagram(trace, { width: -1 }), ConfigError);
});
