import assert from "node:assert/strict";
import { figure8Scenario, logSteps, partitionedLeaderScenario } from "../../lib/consensus/mod.ts";

const FIG8_SERVERS = ["S1", "S2", "S3", "S4", "S5"];

Deno.test("logSteps draws every step's text above its panel, with the time", () => {
  const run = figure8Scenario({ commitRule: "safe" });
  const html = logSteps(run.steps, { nodes: FIG8_SERVERS, title: "Figure 8" }).html;
  assert.match(html, /Figure 8/);
  for (const step of run.steps) {
    // Plot splits long texts into lines (tspans); the first words stay together.
    const start = step.text.split(" ").slice(0, 3).join(" ");
    assert.ok(html.includes(start), `the text of step "${step.text}"`);
  }
  assert.match(html, /\(40 ms\)/, "step (a) happened at 40 ms");
});

Deno.test("logSteps draws one box per entry of every step, committed ones apart", () => {
  const run = partitionedLeaderScenario();
  const html = logSteps(run.steps).html;
  const entries = run.steps.reduce((sum, step) => sum + step.logs.length, 0);
  const titles = html.match(/<title>[^<]*\((?:not )?committed\)/g) ?? [];
  assert.equal(titles.length, entries);
  const stored = run.steps.flatMap((step) => step.logs).filter((row) => !row.committed);
  assert.ok(stored.length > 0, "the old leader's entry is stored, never committed");
  assert.equal((html.match(/\(not committed\)/g) ?? []).length, stored.length);
  // Uncommitted entries are hollow, with dashed outlines: one group of them per panel
  // that has some.
  const panelsWithStored = run.steps.filter((step) => step.logs.some((r) => !r.committed));
  assert.equal(
    (html.match(/stroke-dasharray="4,2"[^>]*fill="white"/g) ?? []).length,
    panelsWithStored.length,
  );
});

Deno.test("logSteps marks the servers that are crashed at a step", () => {
  const run = figure8Scenario({ commitRule: "unsafe" });
  const html = logSteps(run.steps, { nodes: FIG8_SERVERS }).html;
  const crashedRows = run.steps.reduce(
    (sum, step) => sum + new Set(step.logs.filter((row) => !row.up).map((r) => r.node)).size,
    0,
  );
  assert.ok(crashedRows > 0);
  assert.equal((html.match(/>crashed</g) ?? []).length, crashedRows);
  assert.match(html, /\(crashed\)<\/title>/);
});

Deno.test("logSteps keeps the same columns in every panel, and the same bytes", () => {
  const run = figure8Scenario({ commitRule: "safe" });
  const html = logSteps(run.steps, { nodes: FIG8_SERVERS }).html;
  assert.equal(html, logSteps(run.steps, { nodes: FIG8_SERVERS }).html);
  const last = Math.max(...run.steps.flatMap((step) => step.logs.map((row) => row.index)));
  for (let index = 1; index <= last; index++) {
    assert.match(html, new RegExp(`>${index}</text>`), `index ${index} on the axis`);
  }
});

Deno.test("logSteps refuses an empty story", () => {
  assert.throws(() => logSteps([]), RangeError);
});
