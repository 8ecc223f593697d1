import assert from "node:assert/strict";
import {
  findExperiment,
  multiPaxosKv,
  paxos,
  paxosDuel,
  raftVsPaxos,
  sweep,
} from "../../lib/mod.ts";

Deno.test("the Paxos experiments are registered under their names", () => {
  for (const experiment of [paxos, paxosDuel, multiPaxosKv, raftVsPaxos]) {
    assert.equal(findExperiment(experiment.name), experiment);
    assert.equal(experiment.chapter, "06_paxos");
  }
});

Deno.test("paxos: the same seed gives the same row; a broken variant says which property broke", () => {
  assert.deepEqual(paxos.run({}, 5), paxos.run({}, 5));
  const [row] = paxos.run({ unsafe: "ignorePhase1Values" }, 2);
  assert.equal(row!.violation, "safety: at most one value chosen per slot");
});

Deno.test("paxos-duel: one proposer chooses in one round; three without jitter duel for longer", () => {
  const rows = sweep(paxosDuel, {
    grid: { proposers: [1, 3], retryJitterMs: [0, 40] },
    seeds: 20,
    progress: false,
  });
  const mean = (proposers: number, jitter: number) => {
    const r = rows.filter((row) => row.proposers === proposers && row.retryJitterMs === jitter);
    assert.ok(r.every((row) => row.decided));
    return r.reduce((s, row) => s + row.roundsToChoose!, 0) / r.length;
  };
  assert.equal(mean(1, 0), 1);
  assert.equal(mean(1, 40), 1);
  // Measured over 100 seeds: about 80 rounds without jitter, about 3 with 40 ms.
  assert.ok(mean(3, 0) > 3 * mean(3, 40), `${mean(3, 0)} vs ${mean(3, 40)}`);
});

Deno.test("paxos-duel rejects more proposers than acceptors, naming the field", () => {
  assert.throws(() => paxosDuel.run({ proposers: 4, acceptors: 3 }, 1), /proposers/);
});

Deno.test("raft-vs-paxos: one row per protocol, both recover from the leader crash", () => {
  const rows = raftVsPaxos.run({ operationsPerClient: 30, runMs: 2500 }, 1);
  assert.deepEqual(rows.map((r) => r.protocol), ["raft", "multi-paxos"]);
  for (const row of rows) {
    assert.ok(row.commands > 60, `${row.protocol}: ${row.commands} commands`);
    assert.ok(
      row.recoveryMs !== null && row.recoveryMs < 600,
      `${row.protocol}: ${row.recoveryMs}`,
    );
    // One request and one reply per follower per command, plus heartbeats: about 2(n-1)
    // and then some, for five servers.
    assert.ok(
      row.messagesPerCommand > 8 && row.messagesPerCommand < 20,
      `${row.messagesPerCommand}`,
    );
  }
});

Deno.test("multi-paxos-kv: rows are linearizable under the default faults", () => {
  for (const seed of [1, 2, 3]) {
    const [row] = multiPaxosKv.run({}, seed);
    assert.equal(row!.linearizable, true);
    assert.equal(row!.violation, null);
  }
});
