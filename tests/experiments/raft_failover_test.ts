/**
 * Figure 16 of the Raft paper, in shape. The paper's numbers (§9.3): with no randomness
 * (150–150 ms) elections took longer than 10 s; 5 ms of randomness gave a median of
 * 287 ms; 50 ms gave a worst case of 513 ms over 1,000 trials; 12–24 ms timeouts elect in
 * 35 ms on average. These tests run 200 trials per range (20 for 150–150, whose trials
 * run to the 10 s bound).
 */
import assert from "node:assert/strict";
import {
  figure16Rows,
  FIGURE_16_RANGES,
  quantile,
  raftFailover,
  type RaftFailoverRow,
  simulateRaftFailover,
  spaceTimeRows,
  summarizeFailover,
} from "../../lib/mod.ts";

function trials(min: number, max: number, count: number): RaftFailoverRow[] {
  const rows: RaftFailoverRow[] = [];
  for (let seed = 1; seed <= count; seed++) {
    rows.push(raftFailover.run({ electionTimeoutMinMs: min, electionTimeoutMaxMs: max }, seed)[0]!);
  }
  return rows;
}

const downtimes = (rows: readonly RaftFailoverRow[]) =>
  rows.filter((row) => row.converged).map((row) => row.downtimeMs as number);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const within = (rows: readonly RaftFailoverRow[], ms: number) =>
  rows.filter((row) => row.converged && row.downtimeMs! <= ms).length / rows.length;

Deno.test("raft-failover: with no randomness (150–150 ms) split votes go on past the 10 s bound", () => {
  const rows = trials(150, 150, 20);
  assert.ok(rows.every((row) => !row.converged && row.downtimeMs === null));
  assert.ok(rows.every((row) => row.splitVotes > 50), "a split vote every round");
});

Deno.test("raft-failover: a few ms of randomness fixes most of it", () => {
  const one = trials(150, 151, 200), five = trials(150, 155, 200);
  assert.ok(within(one, 1000) < 0.3, `150–151: ${within(one, 1000)} elected within 1 s`);
  assert.ok(within(five, 1000) > 0.85, `150–155: ${within(five, 1000)} elected within 1 s`);
  const median = quantile(downtimes(five), 0.5);
  assert.ok(median > 150 && median < 450, `150–155 median ${median} ms (paper: 287 ms)`);
  assert.ok(Math.max(...downtimes(five)) > 1000, "but still a tail of split votes");
});

Deno.test("raft-failover: more randomness cuts the worst case", () => {
  const worst = (max: number) => Math.max(...downtimes(trials(150, max, 200)));
  const w155 = worst(155), w200 = worst(200), w300 = worst(300);
  assert.ok(w200 < 1000 && w300 < 1000, `150–200: ${w200} ms, 150–300: ${w300} ms (paper: 513 ms)`);
  assert.ok(w155 > 2 * w200);
});

Deno.test("raft-failover: shorter election timeouts elect faster", () => {
  const means = FIGURE_16_RANGES.bottom.map(([min, max]) => mean(downtimes(trials(min, max, 200))));
  for (let i = 1; i < means.length; i++) {
    assert.ok(means[i - 1]! < means[i]!, `means by range: ${means.map((m) => m.toFixed(0))}`);
  }
  assert.ok(means[0]! < 60, `12–24 ms: mean ${means[0]} ms (paper: 35 ms)`);
});

Deno.test("raft-failover: the leader crashes within a heartbeat interval of its last round", () => {
  const rows = trials(150, 300, 100);
  assert.ok(rows.every((row) => row.crashOffsetMs >= 0 && row.crashOffsetMs < 75));
  assert.ok(rows.every((row) => row.downtimeMs! > 150 - 75), "no leader before a timeout");
  const winners = new Set(rows.map((row) => row.newLeader));
  assert.ok(!winners.has("n4") && !winners.has("n5"), "servers with short logs never win");
  assert.ok(winners.has("n2") && winners.has("n3"));
});

Deno.test("raft-failover: a recorded trial shows the heartbeats, the crash and the votes", () => {
  const run = simulateRaftFailover(raftFailover.parseParams({}), 4, { record: true });
  const rows = spaceTimeRows(run.simulation.trace);
  const types = new Set(rows.messages.map((m) => m.type));
  assert.ok(
    types.has("AppendEntries") && types.has("RequestVote") && types.has("RequestVoteReply"),
  );
  assert.equal(rows.intervals.filter((i) => i.kind === "crashed")[0]?.node, "n1");
  assert.equal(
    raftFailover.run({}, 4)[0]!.downtimeMs,
    run.row.downtimeMs,
    "recording changes nothing",
  );
  assert.match(
    run.simulation.config.replay ?? "",
    /^deno task exp run raft-failover --seed 4$/,
  );
});

Deno.test("figure16Rows runs each range of a graph, and summarizeFailover puts it in numbers", () => {
  const rows = figure16Rows("bottom", { trials: 20, progress: false });
  assert.equal(rows.length, 5 * 20);
  const summary = summarizeFailover(rows);
  assert.deepEqual(summary.map((s) => s.range), ["12–24", "25–50", "50–100", "100–200", "150–300"]);
  for (const s of summary) {
    assert.equal(s.trials, 20);
    assert.equal(s.converged, 20);
    assert.ok(s.medianMs! <= s.p99Ms! && s.p99Ms! <= s.maxMs!);
  }
  const top = summarizeFailover(
    figure16Rows("top", { trials: 5, noRandomnessTrials: 2, progress: false }),
  );
  assert.deepEqual([top[0]?.range, top[0]?.trials, top[0]?.converged, top[0]?.medianMs], [
    "150–150",
    2,
    0,
    null,
  ]);
});
