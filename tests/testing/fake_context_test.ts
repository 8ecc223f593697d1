import assert from "node:assert/strict";
import { FakeContext, MemoryStorage } from "./deps.ts";

type Msg = { readonly type: "ping"; readonly n: number } | { readonly type: "pong" };

Deno.test("FakeContext records sends, timers and notes, and fires timers by payload", () => {
  const ctx = new FakeContext<Msg, { readonly kind: "tick" | "tock" }>("a", ["a", "b", "c"], {
    timeMs: 5,
  });
  assert.deepEqual(ctx.peers, ["b", "c"]);
  assert.equal(ctx.now(), 5);
  const fired: string[] = [];
  const node = { onTimer: (payload: { readonly kind: string }) => fired.push(payload.kind) };
  ctx.setTimer(10, { kind: "tick" });
  const tock = ctx.setTimer(20, { kind: "tock" });
  assert.equal(ctx.timer((p) => p.kind === "tock")?.dueMs, 25);
  ctx.cancelTimer(tock);
  assert.equal(ctx.timer((p) => p.kind === "tock"), undefined);
  ctx.fire(node, (p) => p.kind === "tick");
  assert.deepEqual(fired, ["tick"]);
  assert.throws(() => ctx.fire(node, () => true), /no pending timer matches/);
  ctx.send("b", { type: "ping", n: 1 });
  ctx.log("sent", { n: 1 });
  assert.deepEqual(ctx.take().map((s) => [s.to, s.message.type]), [["b", "ping"]]);
  assert.deepEqual(ctx.sent, []);
  assert.deepEqual(ctx.notes, [{ text: "sent", data: { n: 1 } }]);
});

Deno.test("FakeContext captures state at each send and shares storage across incarnations", () => {
  const storage = new MemoryStorage();
  const ctx = new FakeContext<Msg, never, number | undefined>("a", ["a", "b"], {
    storage,
    onSend: (c) => c.storage.get<number>("term"),
  });
  storage.set("term", 3);
  ctx.send("b", { type: "pong" });
  assert.equal(ctx.sent[0]!.extra, 3);
  const reborn = new FakeContext("a", ["a", "b"], { storage, incarnation: 2 });
  assert.equal(reborn.storage.get("term"), 3);
  assert.equal(reborn.incarnation, 2);
  assert.throws(() => new FakeContext("z", ["a"]), /Cannot build a context for z/);
});
