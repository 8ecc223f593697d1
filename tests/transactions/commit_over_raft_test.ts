import assert from "node:assert/strict";
import {
  CommitLedger,
  CoordinatorMachine,
  type GroupCommand,
  ParticipantMachine,
} from "../../lib/transactions/mod.ts";

Deno.test("CoordinatorMachine begins transactions in order and commits once every vote is yes", () => {
  const ledger = new CommitLedger(["p1", "p2"], () => 0);
  const machine = new CoordinatorMachine(["p1", "p2"], ledger.report, "coordinator");
  machine.apply({ op: "begin", txn: 2 }); // not the next one: ignored
  assert.equal(machine.lastBegun, 0);
  machine.apply({ op: "begin", txn: 1 });
  machine.apply({ op: "begin", txn: 2 }); // txn 1 undecided: ignored
  assert.equal(machine.lastBegun, 1);
  machine.apply({ op: "vote", txn: 1, participant: "p1", yes: true });
  assert.equal(machine.decision(1), undefined);
  machine.apply({ op: "vote", txn: 1, participant: "p2", yes: true });
  assert.equal(machine.decision(1), "commit");
  // A late timeout proposal does not change a decision: the first applied stands.
  machine.apply({ op: "decide", txn: 1, decision: "abort" });
  assert.equal(machine.decision(1), "commit");
  assert.equal(ledger.changedDecision, undefined);
});

Deno.test("CoordinatorMachine aborts on a no vote", () => {
  const machine = new CoordinatorMachine(["p1", "p2"], () => {}, "coordinator");
  machine.apply({ op: "begin", txn: 1 });
  machine.apply({ op: "vote", txn: 1, participant: "p2", yes: false });
  assert.equal(machine.decision(1), "abort");
});

Deno.test("ParticipantMachine: the first prepare applied stands, the lock is held until the decision", () => {
  const machine = new ParticipantMachine(() => {}, "p1");
  const apply = (command: GroupCommand) => machine.apply(command);
  apply({ op: "prepare", txn: 1, yes: true });
  apply({ op: "prepare", txn: 1, yes: false }); // a new leader's retry with another draw
  assert.equal(machine.state(1), "prepared");
  assert.equal(machine.lockedBy, 1);
  apply({ op: "prepare", txn: 2, yes: true }); // the lock is held: vote no
  assert.equal(machine.state(2), "abort");
  apply({ op: "decide", txn: 1, decision: "commit" });
  apply({ op: "decide", txn: 1, decision: "abort" });
  assert.equal(machine.state(1), "commit");
  assert.equal(machine.lockedBy, undefined);
});

Deno.test("Replicas that apply the same commands report the same facts: the ledger sees no change", () => {
  const ledger = new CommitLedger(["p1"], () => 0);
  const commands: GroupCommand[] = [
    { op: "prepare", txn: 1, yes: true },
    { op: "decide", txn: 1, decision: "commit" },
  ];
  for (let replica = 0; replica < 3; replica++) {
    const machine = new ParticipantMachine(ledger.report, "p1");
    for (const command of commands) machine.apply(command);
  }
  assert.equal(ledger.changedDecision, undefined);
  assert.equal(ledger.committed, 1);
});
