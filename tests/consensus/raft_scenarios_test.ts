import assert from "node:assert/strict";
import { spaceTimeRows } from "../../lib/mod.ts";
import { historyBars } from "../../lib/check/mod.ts";
import {
  electionScenario,
  figure8Scenario,
  partitionedLeaderScenario,
  reelectionScenario,
  splitVoteScenario,
  staleReadScenario,
} from "../../lib/consensus/mod.ts";

Deno.test("electionScenario elects one leader after a round of RequestVote", () => {
  const run = electionScenario();
  assert.equal(run.term, 1);
  assert.deepEqual(run.splitTerms, []);
  const rows = spaceTimeRows(run.cluster.simulation.trace, { toMs: run.electedAtMs });
  const votes = rows.messages.filter((m) => m.type === "RequestVote" && m.from === run.leader);
  assert.equal(votes.length, 4, "the winner asked all four others");
  assert.ok(run.electedAtMs >= 150, "no one stands before its election timeout");
});

Deno.test("splitVoteScenario shows a first term split between candidates, then a leader", () => {
  const run = splitVoteScenario();
  assert.ok(run.splitTerms.includes(1));
  assert.ok(run.term > 1);
  const candidatesInTerm1 = run.cluster.roleChanges.filter((c) =>
    c.role === "candidate" && c.term === 1
  );
  assert.ok(candidatesInTerm1.length >= 2);
});

Deno.test("reelectionScenario replaces a crashed leader within a few election timeouts", () => {
  const run = reelectionScenario();
  assert.notEqual(run.newLeader, run.oldLeader);
  assert.ok(run.newTerm > run.oldTerm);
  assert.ok(run.downtimeMs > 100 && run.downtimeMs < 1000, `${run.downtimeMs} ms`);
  assert.equal(run.cluster.server(run.oldLeader)?.role, "follower", "it rejoined as a follower");
  assert.equal(run.cluster.checkLinearizable().valid, true);
});

Deno.test("figure8Scenario with the unsafe rule loses a committed entry and is caught", () => {
  const run = figure8Scenario({ commitRule: "unsafe" });
  assert.equal(run.s1CommitIndexAtCrash, 2, "S1 counted its term-2 entry committed");
  assert.equal(run.violation?.kind, "safety");
  assert.match(
    run.violation?.message ?? "",
    /^Invariant "leader completeness" broken: S5 became leader of term 5 with an entry of term 3 at index 2/,
  );
  const atC = run.steps.find((step) => step.text.startsWith("(c)"))!;
  const s3 = atC.logs.filter((row) => row.node === "S3").map((row) => row.term);
  assert.deepEqual(s3, [1, 2], "at (c) the term-2 entry is on S1, S2 and S3");
});

Deno.test("figure8Scenario with the §5.4.2 rule overwrites only an uncommitted entry", () => {
  const run = figure8Scenario({ commitRule: "safe" });
  assert.equal(run.violation, undefined);
  assert.equal(run.s1CommitIndexAtCrash, 0, "S1 never counted index 2 committed");
  assert.deepEqual(run.steps.map((s) => s.text.slice(0, 3)), ["(a)", "(b)", "(c)", "(d)", "S5 "]);
  const last = run.steps.at(-1)!;
  for (const node of ["S2", "S3", "S4", "S5"]) {
    assert.deepEqual(last.logs.filter((r) => r.node === node).map((r) => r.term), [1, 3, 5], node);
  }
  assert.equal(run.cluster.checkLinearizable().valid, true);
});

Deno.test("figure8Scenario panel e: once S1 commits an entry of its term, S5 cannot win", () => {
  const run = figure8Scenario({ commitRule: "safe", currentTermEntry: true });
  assert.equal(run.violation, undefined);
  assert.equal(run.s1CommitIndexAtCrash, 3);
  assert.notEqual(run.cluster.server("S5")?.role, "leader");
});

Deno.test("partitionedLeaderScenario: the cut-off leader cannot commit, and its client's retry applies once", () => {
  const run = partitionedLeaderScenario();
  assert.equal(run.oldLeaderCommitIndex.atHeal, run.oldLeaderCommitIndex.atPartition);
  assert.ok(run.oldLeaderLastIndexAtHeal > run.oldLeaderCommitIndex.atHeal, "an uncommitted entry");
  assert.equal(run.completions.c2.status, "ok");
  assert.equal(run.completions.c1.status, "ok");
  const writes = run.cluster.server(run.newLeader)!.entries()
    .filter((e) =>
      e.command.kind === "command" && e.command.op.f === "write" && e.command.op.value === 2
    );
  assert.equal(writes.length, 1, "x=2 is in the log once");
  assert.equal(run.cluster.server(run.oldLeader)?.role, "follower");
  assert.equal(run.linearizability.valid, true);
});

Deno.test("staleReadScenario: a local read by a deposed leader is caught by the checker", () => {
  const run = staleReadScenario({ reads: "local" });
  assert.deepEqual([run.read.status, run.read.value], ["ok", 1]);
  assert.equal(run.linearizability.valid, false);
  const evidence = run.linearizability.evidence!;
  assert.equal(evidence.operation.f, "read");
  assert.equal(evidence.value, 2, "the register holds 2 when the read of 1 must take effect");
  const bars = historyBars(run.history, { evidence }).html;
  assert.match(bars, /read → 1/);
});

Deno.test("staleReadScenario: ReadIndex and log reads leave the deposed leader's read unanswered", () => {
  for (const reads of ["read-index", "log"] as const) {
    const run = staleReadScenario({ reads });
    assert.equal(run.read.status, "info", reads);
    assert.equal(run.linearizability.valid, true, reads);
  }
});
