import assert from "node:assert/strict";
import {
  formatFaults,
  planRaftNemesis,
  RaftCluster,
  Random,
  scheduleRaftNemesis,
} from "../../lib/mod.ts";

Deno.test("planRaftNemesis keeps each process's faults in sequence and over by endMs", () => {
  const steps = planRaftNemesis(
    { endMs: 5000, meanGapMs: 100, meanDurationMs: 80, kinds: ["isolate", "crash", "pause"] },
    new Random(3).child("nemesis"),
  );
  assert.ok(steps.length > 20);
  assert.ok(steps.every((step) => step.endMs < 5000 && step.endMs > step.startMs));
  for (const process of [0, 1, 2]) {
    const own = steps.filter((step) => step.process === process);
    assert.ok(own.length > 0, `process ${process} has faults`);
    for (let i = 1; i < own.length; i++) assert.ok(own[i]!.startMs > own[i - 1]!.endMs);
  }
  assert.ok(steps.filter((s) => s.process === 0).every((s) => s.kind === "isolate"));
  const overlapping = steps.some((a) =>
    steps.some((b) =>
      a !== b && a.process > 0 && b.process > 0 && a.startMs < b.endMs && b.startMs < a.endMs
    )
  );
  assert.ok(overlapping, "server faults overlap");
});

Deno.test("scheduleRaftNemesis aims at the leader and heals everything by the end", () => {
  const cluster = new RaftCluster({ seed: 8, servers: 5, record: true });
  const steps = planRaftNemesis(
    { endMs: 4000, meanGapMs: 150, meanDurationMs: 100, kinds: ["crash", "isolate"] },
    new Random(8).child("nemesis"),
  );
  const leaders: (string | undefined)[] = [];
  // Scheduled first, so each runs just before the fault of its time.
  for (const step of steps) {
    cluster.simulation.at(step.startMs, () => leaders.push(cluster.leader()?.id));
  }
  const faults = scheduleRaftNemesis(cluster, steps, new Random(8).child("targets"), {
    leaderTargetProbability: 1,
  });
  cluster.simulation.runUntil(4000);
  const starts = faults.filter((f) => f.kind === "crash" || f.kind === "partition");
  assert.ok(starts.length > 10);
  let withLeader = 0, aimed = 0;
  for (const fault of starts) {
    const target = fault.kind === "crash"
      ? fault.node
      : fault.kind === "partition"
      ? fault.groups[0]![0]
      : "";
    const leaderThen = leaders[steps.findIndex((s) => s.startMs === fault.atMs)];
    if (leaderThen === undefined) continue;
    withLeader++;
    if (target === leaderThen) aimed++;
  }
  assert.ok(withLeader > 10, `${withLeader} faults found a leader`);
  assert.equal(aimed, withLeader, "with probability 1, every fault that finds a leader hits it");
  assert.ok(cluster.servers.every((id) => cluster.simulation.status(id) === "up"));
  assert.match(formatFaults(faults), /crash n\d/);
});
