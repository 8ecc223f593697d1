import assert from "node:assert/strict";
import { MemoryStorage } from "../../lib/sim/node.ts";
import { FakeContext } from "../../lib/testing/mod.ts";
import {
  CommitLedger,
  type ThreePhaseMessage,
  ThreePhaseParticipant,
  type ThreePhaseState,
  type ThreePhaseTimer,
} from "../../lib/transactions/mod.ts";

const participants = ["p1", "p2", "p3"];

function participant(storage = new MemoryStorage()) {
  const ledger = new CommitLedger(participants, () => 0);
  const ctx = new FakeContext<ThreePhaseMessage, ThreePhaseTimer>(
    "p1",
    ["coord", ...participants],
    {
      storage,
    },
  );
  const node = new ThreePhaseParticipant(ctx, {
    coordinator: "coord",
    participants,
    abortProbability: 0,
    timeoutMs: 20,
    report: ledger.report,
  });
  return { ctx, node, ledger, storage };
}

/** p1 votes yes on txn 1, hears nothing for two timeouts, and asks the others. */
function terminating() {
  const run = participant();
  run.node.onMessage("coord", { type: "CanCommit", txn: 1 });
  assert.deepEqual(run.ctx.take().map((s) => s.message), [{ type: "Vote", txn: 1, yes: true }]);
  const silence = run.ctx.fire(run.node, "silence");
  assert.equal(silence.delayMs, 40);
  assert.deepEqual(run.ctx.take().map((s) => [s.to, s.message.type]), [
    ["p2", "StateRequest"],
    ["p3", "StateRequest"],
  ]);
  return run;
}

function reply(node: ThreePhaseParticipant, from: string, state: ThreePhaseState) {
  node.onMessage(from, { type: "StateReply", txn: 1, state });
}

// Skeen 1981, the termination rule.
Deno.test("ThreePhaseParticipant's termination: all uncertain, abort", () => {
  const { ctx, node, storage } = terminating();
  reply(node, "p2", "uncertain");
  reply(node, "p3", "uncertain");
  ctx.fire(node, "terminate");
  assert.equal(storage.get("3pc:participant:1"), "aborted");
  assert.deepEqual(ctx.take().map((s) => s.message), [
    { type: "Decision", txn: 1, decision: "abort" },
    { type: "Decision", txn: 1, decision: "abort" },
  ]);
});

Deno.test("ThreePhaseParticipant's termination: any committed, commit", () => {
  const { ctx, node, storage } = terminating();
  reply(node, "p2", "committed");
  ctx.fire(node, "terminate");
  assert.equal(storage.get("3pc:participant:1"), "committed");
});

Deno.test("ThreePhaseParticipant's termination: any pre-committed, pre-commit the others before committing", () => {
  const { ctx, node, storage } = terminating();
  reply(node, "p2", "precommitted");
  reply(node, "p3", "uncertain");
  ctx.fire(node, "terminate");
  assert.equal(storage.get("3pc:participant:1"), "precommitted");
  assert.deepEqual(ctx.take().map((s) => s.message.type), ["PreCommit", "PreCommit"]);
  node.onMessage("p3", { type: "PreCommitAck", txn: 1 });
  ctx.fire(node, "terminate");
  assert.equal(storage.get("3pc:participant:1"), "committed");
  assert.deepEqual(ctx.take().map((s) => s.message.type), ["Decision", "Decision"]);
});

Deno.test("ThreePhaseParticipant that never voted answers a state request by aborting", () => {
  const { ctx, node, storage } = participant();
  node.onMessage("p2", { type: "StateRequest", txn: 4 });
  assert.equal(storage.get("3pc:participant:4"), "aborted");
  assert.deepEqual(ctx.take()[0]!.message, { type: "StateReply", txn: 4, state: "aborted" });
});

Deno.test("ThreePhaseParticipant, restarted while uncertain, terminates with the others at once", () => {
  const storage = new MemoryStorage();
  participant(storage).node.onMessage("coord", { type: "CanCommit", txn: 1 });
  const { ctx, node } = participant(storage);
  node.start();
  assert.deepEqual(ctx.take().map((s) => s.message.type), ["StateRequest", "StateRequest"]);
});
