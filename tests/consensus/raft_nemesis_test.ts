import assert from "node:assert/strict";
import { formatFaults, Random } from "../../lib/mod.ts";
import { RaftCluster } from "../../lib/consensus/mod.ts";
import { huntTheLeader } from "../../lib/consensus/mod.ts";
import { applyNemesis, planNemesis } from "../../lib/testing/mod.ts";

Deno.test("huntTheLeader aims every fault that finds a leader at it, and everything heals", () => {
  const cluster = new RaftCluster({ seed: 8, servers: 5, record: true });
  const steps = planNemesis(
    { endMs: 4000, meanGapMs: 150, meanDurationMs: 100, kinds: ["crash", "isolate"] },
    new Random(8).child("nemesis"),
  );
  const leaders: (string | undefined)[] = [];
  // Scheduled first, so each runs just before the fault of its time.
  for (const step of steps) {
    cluster.simulation.at(step.startMs, () => leaders.push(cluster.leader()?.id));
  }
  const faults = applyNemesis(cluster.simulation, steps, new Random(8).child("targets"), {
    nodes: cluster.servers,
    aim: huntTheLeader(cluster, 1),
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
