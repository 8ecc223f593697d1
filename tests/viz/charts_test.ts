import assert from "node:assert/strict";
import { Random } from "../../lib/sim/mod.ts";
import { cdf, histogram, percentileRows, Plot, quantile, sweepLines } from "../../lib/viz/mod.ts";
import { count, faultyRun, select, texts, titles } from "./helpers.ts";

interface LatencyRow {
  readonly latencyMs: number;
  readonly net: "lan" | "wan";
}

function latencyRows(): LatencyRow[] {
  const random = new Random(11);
  const rows: LatencyRow[] = [];
  for (let i = 0; i < 400; i++) rows.push({ latencyMs: random.exponential(2), net: "lan" });
  for (let i = 0; i < 300; i++) rows.push({ latencyMs: 5 + random.exponential(10), net: "wan" });
  return rows;
}

interface SweepRow {
  readonly loss: number;
  readonly seed: number;
  readonly p99Ms: number;
  readonly protocol: string;
}

function sweepRows(): SweepRow[] {
  const random = new Random(12);
  const rows: SweepRow[] = [];
  for (const protocol of ["retry", "hedged"]) {
    for (const loss of [0, 0.1, 0.2, 0.3]) {
      for (let seed = 1; seed <= 6; seed++) {
        rows.push({ loss, seed, protocol, p99Ms: 10 + 50 * loss + random.normal(0, 2) });
      }
    }
  }
  return rows;
}

Deno.test("histogram bars are as tall as their bins' counts", () => {
  const rows = [0.5, 1.5, 1.5, 2.5, 2.5, 2.5].map((v) => ({ v }));
  const html = histogram(rows, { x: "v", bins: [0, 1, 2, 3] }).html;
  const heights = select(html, "g.viz-bar rect").map((r) => Number(r.getAttribute("height")));
  assert.equal(heights.length, 3);
  const [one, two, three] = heights as [number, number, number];
  assert.ok(Math.abs(two / one - 2) < 1e-3 && Math.abs(three / one - 3) < 1e-3);
});

Deno.test("histogram overlaps one coloured histogram per fill group, with a legend", () => {
  const html = histogram(latencyRows(), { x: "latencyMs", fill: "net", bins: 20 }).html;
  const fills = new Set(select(html, "g.viz-bar rect").map((r) => r.getAttribute("fill")));
  assert.equal(fills.size, 2);
  assert.deepEqual(texts(html, ".plot-d6a7b5-swatch").sort(), ["lan", "wan"]);
  assert.equal(select(html, "g.viz-bar")[0]?.getAttribute("fill-opacity"), "0.55");
  const stacked = histogram(latencyRows(), { x: "latencyMs", fill: "net", stack: true }).html;
  assert.equal(select(stacked, "g.viz-bar")[0]?.getAttribute("fill-opacity"), null);
});

Deno.test("histogram marks each group's percentiles with a labelled rule", () => {
  const rows = latencyRows();
  const html = histogram(rows, { x: "latencyMs", fill: "net", percentiles: [0.5, 0.99] }).html;
  assert.equal(count(html, "g.viz-percentile line"), 4);
  // Each label's text, without its <title>.
  const labels = texts(html, "g.viz-percentile-label text").map((t) => t.slice(0, 3)).sort();
  assert.deepEqual(labels, ["p50", "p50", "p99", "p99"]);
  const lan = rows.filter((r) => r.net === "lan").map((r) => r.latencyMs);
  const expected = `lan: p99 = ${Number(quantile(lan, 0.99).toPrecision(4))}`;
  assert.ok(titles(html, "g.viz-percentile").includes(expected));
});

Deno.test("cdf draws one step line per stroke group", () => {
  const html = cdf(latencyRows(), { x: "latencyMs", stroke: "net" }).html;
  assert.equal(count(html, "g.viz-cdf path"), 2);
  assert.equal(count(cdf(latencyRows(), { x: "latencyMs" }).html, "g.viz-cdf path"), 1);
});

Deno.test("cdf percentiles put a rule per level and a dot per group at its quantile", () => {
  const rows = latencyRows();
  const html = cdf(rows, { x: "latencyMs", stroke: "net", percentiles: [0.5, 0.9, 0.99] }).html;
  assert.equal(count(html, "g.viz-percentile line"), 3);
  assert.deepEqual(texts(html, "g.viz-percentile-label text"), ["p50", "p90", "p99"]);
  assert.equal(count(html, "g.viz-percentile-value circle"), 6);
  const wan = rows.filter((r) => r.net === "wan").map((r) => r.latencyMs);
  const expected = `wan: p90 = ${Number(quantile(wan, 0.9).toPrecision(4))}`;
  assert.ok(titles(html, "g.viz-percentile-value").includes(expected));
});

Deno.test("percentileRows lists each group's levels", () => {
  const rows = percentileRows([{ v: 1 }, { v: 2 }, { v: 3 }], { x: "v", percentiles: [0.5] });
  assert.deepEqual(rows, [{ group: undefined, q: 0.5, name: "p50", value: 2, label: "p50 = 2" }]);
});

Deno.test("cdf over many numeric groups uses a colour ramp legend, drawn without canvas", () => {
  const random = new Random(13);
  const rows = Array.from({ length: 240 }, (_, i) => ({ seed: i % 12, ms: random.exponential(3) }));
  const html = cdf(rows, { x: "ms", stroke: "seed" }).html;
  assert.equal(count(html, "g.viz-cdf path"), 12);
  const [ramp] = select(html, "figure > svg image");
  assert.match(ramp?.getAttribute("href") ?? "", /^data:image\/png;base64,/);
});

Deno.test("sweepLines draws a mean line and a band per stroke group", () => {
  const html = sweepLines(sweepRows(), { x: "loss", y: "p99Ms", stroke: "protocol" }).html;
  assert.equal(count(html, "g.viz-mean path"), 2);
  assert.equal(count(html, "g.viz-band path"), 2);
  assert.equal(count(html, "g.viz-mean-point circle"), 8);
  assert.ok(
    titles(html, "g.viz-mean-point").some((t) =>
      /^retry, x = 0\.1: mean .* over 6 runs, minmax /.test(t)
    ),
  );
  const bare =
    sweepLines(sweepRows(), { x: "loss", y: "p99Ms", stroke: "protocol", band: false, dots: false })
      .html;
  assert.equal(count(bare, "g.viz-band path"), 0);
  assert.equal(count(bare, "g.viz-mean-point circle"), 0);
  assert.equal(count(bare, "g.viz-mean path"), 2);
});

Deno.test("sweepLines shades a different area for each band kind", () => {
  const area = (band: "ci95" | "minmax" | "iqr") => {
    const html =
      sweepLines(sweepRows(), { x: "loss", y: "p99Ms", band, yScale: { domain: [0, 40] } })
        .html;
    return select(html, "g.viz-band path")[0]?.getAttribute("d") ?? "";
  };
  const minmax = area("minmax"), ci95 = area("ci95"), iqr = area("iqr");
  assert.ok(minmax.length > 0 && ci95.length > 0 && iqr.length > 0);
  assert.equal(new Set([minmax, ci95, iqr]).size, 3);
});

Deno.test("charts accept Plot options: title, labels, scales, width and extra marks", () => {
  const html = cdf(latencyRows(), {
    x: (r) => r.latencyMs * 1000,
    title: "Latency",
    subtitle: "two networks",
    xLabel: "latency (µs)",
    yLabel: "share",
    xScale: { type: "log" },
    width: 500,
    marks: [Plot.ruleX([1000], { className: "mine" })],
  }).html;
  assert.deepEqual(texts(html, "figure > h2"), ["Latency"]);
  assert.deepEqual(texts(html, "figure > h3"), ["two networks"]);
  assert.ok(html.includes("latency (µs)") && html.includes("share"));
  assert.ok(html.includes('width="500"'));
  assert.equal(count(html, "g.mine line"), 1);
});

Deno.test("charts are deterministic and self-contained", () => {
  const a = histogram(latencyRows(), { x: "latencyMs", fill: "net", percentiles: [0.5] }).html;
  const b = histogram(latencyRows(), { x: "latencyMs", fill: "net", percentiles: [0.5] }).html;
  assert.equal(a, b);
  for (const html of [a, cdf(latencyRows(), { x: "latencyMs" }).html]) {
    assert.ok(!/<script/i.test(html));
    assert.ok(!html.includes("http"));
  }
});

Deno.test("charts draw latencies of a real trace", () => {
  const messages = faultyRun().trace.messages().filter((m) => m.delivered);
  const html = histogram(messages, { x: "latencyMs", fill: "type", percentiles: [0.5] }).html;
  assert.deepEqual(texts(html, ".plot-d6a7b5-swatch").sort(), ["Gossip", "Ping", "Pong"]);
  assert.ok(count(html, "g.viz-bar rect") > 3);
});

Deno.test("sweepLines keeps categorical x in the order the rows gave", () => {
  const rows = ["raft", "paxos", "epaxos"].flatMap((protocol, i) =>
    [1, 2, 3].map((seed) => ({ protocol, seed, ms: 10 * (i + 1) + seed }))
  );
  const html = sweepLines(rows, { x: "protocol", y: "ms" }).html;
  assert.deepEqual(texts(html, 'g[aria-label="x-axis tick label"] text'), [
    "raft",
    "paxos",
    "epaxos",
  ]);
});
