import assert from "node:assert/strict";
import { MemoryStorage } from "../../lib/sim/node.ts";
import { FakeContext } from "../../lib/testing/mod.ts";
import {
  abortAfter,
  askTheCoordinator,
  CommitLedger,
  TwoPhaseCoordinator,
  type TwoPhaseMessage,
  TwoPhaseParticipant,
  type TwoPhaseTimer,
} from "../../lib/transactions/mod.ts";

const participants = ["p1", "p2"];

function coordinator(storage = new MemoryStorage(), sendBeforeLog = false) {
  const ledger = new CommitLedger(participants, () => 0);
  const ctx = new FakeContext<TwoPhaseMessage, TwoPhaseTimer, { logged: unknown }>(
    "coord",
    ["coord", ...participants],
    { storage, onSend: (c) => ({ logged: c.storage.get("2pc:coordinator:1") }) },
  );
  const node = new TwoPhaseCoordinator(ctx, {
    participants,
    gapMs: 5,
    voteTimeoutMs: 20,
    stopAtMs: 1000,
    report: ledger.report,
    sendBeforeLog,
  });
  return { ctx, node, ledger };
}

function participant(storage = new MemoryStorage(), abortProbability = 0) {
  const ledger = new CommitLedger(participants, () => 0);
  const ctx = new FakeContext<TwoPhaseMessage, TwoPhaseTimer, { state: unknown }>(
    "p1",
    ["coord", ...participants],
    { storage, onSend: (c) => ({ state: c.storage.get("2pc:participant:1") }) },
  );
  const node = new TwoPhaseParticipant(ctx, {
    coordinator: "coord",
    abortProbability,
    retryMs: 10,
    report: ledger.report,
  });
  return { ctx, node, ledger };
}

Deno.test("TwoPhaseCoordinator logs the transaction before asking and the decision before telling", () => {
  const { ctx, node } = coordinator();
  node.start();
  ctx.fire(node, "next-txn");
  const prepares = ctx.take();
  assert.deepEqual(prepares.map((s) => s.message.type), ["Prepare", "Prepare"]);
  assert.deepEqual(prepares[0]!.logged, { state: "begun" });
  node.onMessage("p1", { type: "Vote", txn: 1, yes: true });
  assert.equal(ctx.take().length, 0);
  node.onMessage("p2", { type: "Vote", txn: 1, yes: true });
  const decisions = ctx.take();
  assert.deepEqual(decisions.map((s) => s.message), [
    { type: "Decision", txn: 1, decision: "commit" },
    { type: "Decision", txn: 1, decision: "commit" },
  ]);
  assert.deepEqual(decisions[0]!.logged, { state: "commit" });
});

Deno.test("TwoPhaseCoordinator's broken variant tells the decision before it is logged", () => {
  const { ctx, node } = coordinator(new MemoryStorage(), true);
  node.start();
  ctx.fire(node, "next-txn");
  ctx.take();
  node.onMessage("p1", { type: "Vote", txn: 1, yes: true });
  node.onMessage("p2", { type: "Vote", txn: 1, yes: true });
  assert.deepEqual(ctx.take()[0]!.logged, { state: "begun" });
});

Deno.test("TwoPhaseCoordinator, restarted, aborts what it began and did not decide, and answers from its log", () => {
  const storage = new MemoryStorage();
  const first = coordinator(storage);
  first.node.start();
  first.ctx.fire(first.node, "next-txn");
  // Crash: a fresh coordinator on the same storage.
  const { ctx, node, ledger } = coordinator(storage);
  node.start();
  assert.deepEqual(ctx.take().map((s) => s.message), [
    { type: "Decision", txn: 1, decision: "abort" },
    { type: "Decision", txn: 1, decision: "abort" },
  ]);
  assert.equal(ledger.changedDecision, undefined);
  node.onMessage("p1", { type: "DecisionRequest", txn: 1 });
  assert.deepEqual(ctx.take().map((s) => [s.to, s.message]), [
    ["p1", { type: "Decision", txn: 1, decision: "abort" }],
  ]);
});

Deno.test("TwoPhaseParticipant is prepared durably before its yes vote leaves", () => {
  const { ctx, node, ledger } = participant();
  node.onMessage("coord", { type: "Prepare", txn: 1 });
  const [vote] = ctx.take();
  assert.deepEqual(vote!.message, { type: "Vote", txn: 1, yes: true });
  assert.equal(vote!.state, "prepared");
  assert.equal(node.lockedBy, 1);
  assert.equal(ledger.waiting, 1);
  // A second transaction meets the lock: the participant, not prepared in it, votes no.
  node.onMessage("coord", { type: "Prepare", txn: 2 });
  assert.deepEqual(ctx.take()[0]!.message, { type: "Vote", txn: 2, yes: false });
});

Deno.test("TwoPhaseParticipant, restarted while prepared, asks the coordinator and never decides alone", () => {
  const storage = new MemoryStorage();
  participant(storage).node.onMessage("coord", { type: "Prepare", txn: 1 });
  const { ctx, node } = participant(storage);
  node.start();
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(ctx.take().map((s) => s.message), [{ type: "DecisionRequest", txn: 1 }]);
    ctx.fire(node, "recovery");
  }
  assert.equal(node.lockedBy, 1);
  node.onMessage("coord", { type: "Decision", txn: 1, decision: "commit" });
  assert.equal(node.lockedBy, undefined);
  assert.equal(storage.get("2pc:participant:1"), "committed");
});

Deno.test("askTheCoordinator and abortAfter: the rule and its broken variant", () => {
  assert.equal(askTheCoordinator({ state: "prepared", waitedMs: 1e9 }), "ask-coordinator");
  assert.equal(askTheCoordinator({ state: "committed", waitedMs: 0 }), "wait");
  assert.equal(abortAfter(50)({ state: "prepared", waitedMs: 49 }), "ask-coordinator");
  assert.equal(abortAfter(50)({ state: "prepared", waitedMs: 50 }), "abort");
});
