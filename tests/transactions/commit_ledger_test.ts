import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type CommitDecision,
  CommitLedger,
  type CommitReport,
} from "../../lib/transactions/mod.ts";

Deno.test("CommitLedger names the first transaction one participant committed and another aborted", () => {
  const ledger = new CommitLedger(["p1", "p2"], () => 0);
  ledger.report({ kind: "prepared", txn: 1, participant: "p1" });
  ledger.report({ kind: "prepared", txn: 1, participant: "p2" });
  ledger.report({ kind: "outcome", txn: 1, participant: "p2", decision: "abort" });
  assert.equal(ledger.atomicityViolation, undefined);
  ledger.report({ kind: "outcome", txn: 1, participant: "p1", decision: "commit" });
  assert.equal(ledger.atomicityViolation, "txn 1: p1 committed but p2 aborted");
});

Deno.test("CommitLedger flags a commit before every participant prepared", () => {
  const ledger = new CommitLedger(["p1", "p2"], () => 0);
  ledger.report({ kind: "prepared", txn: 3, participant: "p1" });
  ledger.report({ kind: "outcome", txn: 3, participant: "p1", decision: "commit" });
  assert.equal(ledger.prematureCommit, "txn 3: p1 committed before p2 prepared");
});

Deno.test("CommitLedger flags a coordinator that changes its decision, and a participant that does", () => {
  const coordinator = new CommitLedger(["p1"], () => 0);
  coordinator.report({ kind: "decision", txn: 2, decision: "commit", by: "coord" });
  coordinator.report({ kind: "decision", txn: 2, decision: "commit", by: "coord" });
  assert.equal(coordinator.changedDecision, undefined);
  coordinator.report({ kind: "decision", txn: 2, decision: "abort", by: "coord" });
  assert.match(coordinator.changedDecision ?? "", /coord decided abort after deciding commit/);

  const participant = new CommitLedger(["p1"], () => 0);
  participant.report({ kind: "outcome", txn: 1, participant: "p1", decision: "abort" });
  participant.report({ kind: "outcome", txn: 1, participant: "p1", decision: "commit" });
  assert.match(participant.changedDecision ?? "", /p1 applied commit after abort/);
});

Deno.test("CommitLedger measures the longest wait of a prepared participant, open waits up to now", () => {
  let now = 0;
  const ledger = new CommitLedger(["p1", "p2"], () => now);
  ledger.report({ kind: "prepared", txn: 1, participant: "p1" });
  now = 10;
  ledger.report({ kind: "prepared", txn: 1, participant: "p2" });
  now = 40;
  ledger.report({ kind: "outcome", txn: 1, participant: "p1", decision: "commit" });
  assert.equal(ledger.waiting, 1);
  assert.deepEqual(ledger.stillPrepared(), ["p2 in txn 1"]);
  now = 100;
  assert.equal(ledger.blockedMs(), 90);
  ledger.report({ kind: "outcome", txn: 1, participant: "p2", decision: "commit" });
  assert.equal(ledger.waiting, 0);
  assert.equal(ledger.blockedMs(), 90);
  assert.equal(ledger.committed, 1);
});

// Differential: the ledger's atomicity verdict against a direct reading of the outcomes.
Deno.test("CommitLedger's atomicity verdict agrees with brute force on random outcome sequences", () => {
  const outcome = fc.record({
    txn: fc.integer({ min: 1, max: 3 }),
    participant: fc.constantFrom("p1", "p2", "p3"),
    decision: fc.constantFrom<CommitDecision>("commit", "abort"),
  });
  fc.assert(fc.property(fc.array(outcome, { maxLength: 12 }), (outcomes) => {
    const ledger = new CommitLedger(["p1", "p2", "p3"], () => 0);
    const first = new Map<string, CommitDecision>();
    for (const o of outcomes) {
      const report: CommitReport = { kind: "outcome", ...o };
      ledger.report(report);
      const key = `${o.txn}/${o.participant}`;
      if (!first.has(key)) first.set(key, o.decision);
    }
    const mixed = [1, 2, 3].some((txn) => {
      const decisions = new Set(
        [...first].filter(([key]) => key.startsWith(`${txn}/`)).map(([, d]) => d),
      );
      return decisions.size === 2;
    });
    assert.equal(ledger.atomicityViolation !== undefined, mixed);
  }));
});
