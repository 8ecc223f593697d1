import assert from "node:assert/strict";
import {
  clusterLogRows,
  figure8Scenario,
  logGrid,
  logRows,
  reelectionScenario,
  roleTimeline,
  roleTimelineRows,
} from "../../lib/consensus/mod.ts";

Deno.test("roleTimelineRows follows each server through its roles, terms and crash", () => {
  const run = reelectionScenario();
  const rows = roleTimelineRows(run.cluster.simulation.trace);
  const old = rows.filter((row) => row.node === run.oldLeader);
  assert.deepEqual(
    old.map((row) => row.role),
    ["follower", "candidate", "leader", "crashed", "follower", "follower"].slice(0, old.length),
  );
  const crashed = old.find((row) => row.role === "crashed")!;
  assert.equal(crashed.startMs, run.crashAtMs);
  assert.equal(crashed.term, null);
  const leaders = rows.filter((row) => row.role === "leader");
  assert.deepEqual(leaders.map((row) => [row.node, row.term]), [
    [run.oldLeader, run.oldTerm],
    [run.newLeader, run.newTerm],
  ]);
  for (const node of run.cluster.servers) {
    const lane = rows.filter((row) => row.node === node);
    for (let i = 1; i < lane.length; i++) {
      assert.equal(lane[i]!.startMs, lane[i - 1]!.endMs, `${node}: stretches follow each other`);
    }
  }
});

Deno.test("roleTimelineRows clips to the window and rejects an empty one", () => {
  const run = reelectionScenario();
  const rows = roleTimelineRows(run.cluster.simulation.trace, { fromMs: 100, toMs: 200 });
  assert.ok(rows.every((row) => row.startMs >= 100 && row.endMs <= 200));
  assert.throws(
    () => roleTimelineRows(run.cluster.simulation.trace, { fromMs: 5, toMs: 1 }),
    RangeError,
  );
});

Deno.test("roleTimeline draws a bar per stretch with the term written on the wide ones", () => {
  const run = reelectionScenario();
  const figure = roleTimeline(run.cluster.simulation.trace, { title: "Re-election" });
  const html = figure.html;
  assert.match(html, /Re-election/);
  const bars = roleTimelineRows(run.cluster.simulation.trace).length;
  assert.equal((html.match(/<rect/g) ?? []).length >= bars, true);
  assert.match(html, new RegExp(`>t${run.newTerm}<`));
  assert.equal(
    roleTimeline(run.cluster.simulation.trace).html,
    roleTimeline(run.cluster.simulation.trace).html,
  );
});

Deno.test("logRows and logGrid show each server's entries, committed ones outlined", () => {
  const run = figure8Scenario({ commitRule: "safe" });
  const rows = logRows(run.cluster.liveServers());
  const s5 = rows.filter((row) => row.node === "S5");
  assert.deepEqual(s5.map((row) => [row.index, row.term, row.committed]), [
    [1, 1, true],
    [2, 3, true],
    [3, 5, true],
  ]);
  assert.equal(s5[2]!.command, "c4#1 write x=5");
  const html = logGrid(rows, { title: "After Figure 8" }).html;
  assert.match(html, /S5\[2\] term 3: c2#1 write x=3 \(committed\)/);
});

Deno.test("clusterLogRows reads a crashed server's log from its storage", () => {
  const run = figure8Scenario({ commitRule: "safe" });
  const s1 = clusterLogRows(run.cluster).filter((row) => row.node === "S1");
  assert.deepEqual(s1.map((row) => [row.term, row.up, row.committed]), [
    [1, false, false],
    [2, false, false],
  ]);
});
