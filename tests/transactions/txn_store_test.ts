import assert from "node:assert/strict";
import { FakeContext } from "../../lib/testing/mod.ts";
import {
  type ConcurrencyControl,
  type MicroOp,
  type TxnMessage,
  TxnStore,
  type TxnStoreOptions,
} from "../../lib/transactions/mod.ts";

/** A store and a way to send it a message from a client and read its replies. */
function store(isolation: ConcurrencyControl, options: Partial<TxnStoreOptions> = {}) {
  const ctx = new FakeContext<TxnMessage>("db", ["db", "c1", "c2"]);
  const node = new TxnStore(ctx, { isolation, ...options });
  const op = (client: string, txn: string, index: number, micro: MicroOp) => {
    node.onMessage(client, { type: "Op", txn, index, op: micro });
    return ctx.take().map((s) => s.message);
  };
  const end = (client: string, txn: string, type: "Commit" | "Abort" = "Commit") => {
    node.onMessage(client, { type, txn });
    return ctx.take().map((s) => s.message);
  };
  return { node, op, end };
}

const value = (replies: TxnMessage[]) => (replies[0] as { value: unknown }).value;

Deno.test("TxnStore none: others read an uncommitted append, and an abort takes it back", () => {
  const { op, end } = store("none");
  op("c1", "a", 0, ["append", "x", 1]);
  assert.deepEqual(value(op("c2", "b", 0, ["r", "x", null])), [1]);
  end("c1", "a", "Abort");
  assert.deepEqual(value(op("c2", "b", 1, ["r", "x", null])), []);
});

Deno.test("TxnStore read-committed: reads see only committed appends, own writes on top", () => {
  const { op, end } = store("read-committed");
  op("c1", "a", 0, ["append", "x", 1]);
  assert.equal(value(op("c2", "b", 0, ["r", "x", null])), null);
  assert.deepEqual(value(op("c1", "a", 1, ["r", "x", null])), [1]);
  end("c1", "a");
  assert.deepEqual(value(op("c2", "b", 1, ["r", "x", null])), [1]);
});

Deno.test("TxnStore snapshot-isolation: reads come from the snapshot; the first committer wins", () => {
  const { node, op, end } = store("snapshot-isolation");
  op("c1", "a", 0, ["r", "x", null]);
  op("c2", "b", 0, ["r", "x", null]);
  op("c2", "b", 1, ["append", "x", 2]);
  assert.deepEqual(end("c2", "b"), [{ type: "Committed", txn: "b" }]);
  assert.equal(value(op("c1", "a", 1, ["r", "x", null])), null, "a's snapshot predates b");
  op("c1", "a", 2, ["append", "x", 1]);
  const reply = end("c1", "a")[0]!;
  assert.equal(reply.type, "Aborted");
  assert.deepEqual(node.committed("x"), [2]);
});

Deno.test("TxnStore snapshot-isolation without first-committer-wins loses an update", () => {
  const { node, op, end } = store("snapshot-isolation", { noFirstCommitterWins: true });
  op("c1", "a", 0, ["r", "k", null]);
  op("c2", "b", 0, ["r", "k", null]);
  op("c1", "a", 1, ["w", "k", 1]);
  op("c2", "b", 1, ["w", "k", 2]);
  end("c1", "a");
  assert.equal(end("c2", "b")[0]!.type, "Committed");
  assert.equal(node.committed("k"), 2);
});

Deno.test("TxnStore serializable: an older transaction waits, a younger one dies (wait-die)", () => {
  const { node, op, end } = store("serializable");
  op("c1", "old", 0, ["r", "x", null]); // older: arrived first
  op("c2", "young", 0, ["r", "y", null]);
  // The older one wants y, held shared by the younger: it waits (no reply yet).
  assert.deepEqual(op("c1", "old", 1, ["append", "y", 1]), []);
  // The younger one wants x, held by the older: it dies, its shared lock on y goes, and
  // the older one's append goes through.
  assert.deepEqual(op("c2", "young", 1, ["append", "x", 2]), [
    { type: "Aborted", txn: "young", reason: "wait-die on x" },
    { type: "OpDone", txn: "old", index: 1, value: 1 },
  ]);
  assert.equal(node.aborts, 1);
  assert.equal(node.lockConflicts().length, 0);
  end("c1", "old");
  assert.deepEqual(node.committed("y"), [1]);
});

Deno.test("TxnStore serializable: a shared lock blocks a writer until commit", () => {
  const { op, end } = store("serializable");
  op("c2", "young", 0, ["r", "x", null]);
  op("c1", "older?", 0, ["r", "z", null]);
  // "older?" arrived second, so it is younger than "young": it dies instead of waiting.
  assert.equal(op("c1", "older?", 1, ["append", "x", 1])[0]!.type, "Aborted");
  const { op: op2, end: end2 } = store("serializable");
  op2("c1", "t1", 0, ["r", "z", null]);
  op2("c2", "t2", 0, ["r", "x", null]);
  assert.deepEqual(op2("c1", "t1", 1, ["append", "x", 1]), [], "t1 waits for t2's shared lock");
  const replies = end2("c2", "t2");
  assert.deepEqual(replies.map((m) => m.type), ["OpDone", "Committed"]);
  end("c2", "young");
});
