import assert from "node:assert/strict";
import { FakeContext, MemoryStorage } from "./deps.ts";

type Msg = { readonly type: "ping"; readonly n: number } | { readonly type: "pong" };

Deno.test("FakeContext records sends, timers and notes, and fires timers by name or predicate", () => {
  const ctx = new FakeContext<Msg, { readonly kind: "tick" | "tock"; readonly n?: number }>(
    "a",
    ["a", "b", "c"],
    { timeMs: 5 },
  );
  assert.deepEqual(ctx.peers, ["b", "c"]);
  assert.equal(ctx.now(), 5);
  const fired: string[] = [];
  const node = { onTimer: (payload: { readonly kind: string }) => fired.push(payload.kind) };
  ctx.setTimer(10, { kind: "tick" });
  const tock = ctx.setTimer(20, { kind: "tock" });
  ctx.setTimer(30, { kind: "tick", n: 2 });
  assert.equal(ctx.timer("tock")?.dueMs, 25);
  ctx.cancelTimer(tock);
  assert.equal(ctx.timer("tock"), undefined);
  assert.equal(ctx.fire(node, (p) => p.n === 2).delayMs, 30);
  ctx.fire(node, "tick");
  assert.deepEqual(fired, ["tick", "tick"]);
  assert.throws(() => ctx.fire(node, "tick"), /Cannot fire a timer on a: no pending tick timer/);
  ctx.send("b", { type: "ping", n: 1 });
  ctx.log("sent", { n: 1 });
  assert.deepEqual(ctx.take().map((s) => [s.to, s.message.type]), [["b", "ping"]]);
  assert.deepEqual(ctx.sent, []);
  assert.deepEqual(ctx.notes, [{ text: "sent", data: { n: 1 } }]);
});

Deno.test("FakeContext captures state at each send and shares storage across incarnations", () => {
  const storage = new MemoryStorage();
  const ctx = new FakeContext<Msg, string, { readonly term: number | undefined }>("a", ["a", "b"], {
    storage,
    onSend: (c) => ({ term: c.storage.get<number>("term") }),
  });
  storage.set("term", 3);
  ctx.send("b", { type: "pong" });
  assert.equal(ctx.sent[0]!.term, 3);
  const reborn = new FakeContext<Msg, string>("a", ["a", "b"], { storage, incarnation: 2 });
  reborn.setTimer(1, "plain");
  assert.equal(reborn.timer("plain")?.payload, "plain", "a string payload matches its name");
  assert.equal(reborn.storage.get("term"), 3);
  assert.equal(reborn.incarnation, 2);
  assert.deepEqual(new FakeContext("z", ["a"]).peers, ["a"], "a node outside its cluster");
});
