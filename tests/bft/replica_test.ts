/**
 * PBFT's rules one at a time (Castro and Liskov, OSDI 1999), each on one replica or
 * client driven by hand through a FakeContext.
 */
import assert from "node:assert/strict";
import {
  type Commit,
  forge,
  isPrepared,
  KeyRing,
  NULL_DIGEST,
  PbftClient,
  type PbftClientTimer,
  type PbftMessage,
  PbftReplica,
  type PbftReplicaOptions,
  type PbftTimer,
  type Prepare,
  type PreparedCertificate,
  type PrePrepare,
  type Reply,
  reproposals,
  type Request,
  requestDigest,
  type ViewChange,
} from "../../lib/bft/mod.ts";
import { Random } from "../../lib/sim/mod.ts";
import { FakeContext } from "../../lib/testing/mod.ts";

const replicas = ["r0", "r1", "r2", "r3"];
const keys = new KeyRing([...replicas, "c1"], new Random(1).child("keys"));

function replica(id: string, options: Partial<PbftReplicaOptions> = {}) {
  const ctx = new FakeContext<PbftMessage, PbftTimer>(id, replicas);
  const node = new PbftReplica(ctx, {
    replicas,
    signer: keys.signer(id),
    verifier: keys.verifier,
    ...options,
  });
  return { ctx, node };
}

const request = (timestamp: number, amount = 5): Request =>
  keys.signer("c1").sign({ type: "Request", client: "c1", timestamp, amount }) as Request;

const prePrepare = (view: number, seq: number, req: Request | null, from = "r0"): PrePrepare =>
  keys.signer(from).sign({
    type: "PrePrepare",
    view,
    seq,
    digest: requestDigest(req),
    request: req,
    from,
  }) as PrePrepare;

const prepare = (view: number, seq: number, digest: string, from: string): Prepare =>
  keys.signer(from).sign({ type: "Prepare", view, seq, digest, from }) as Prepare;

const commit = (view: number, seq: number, digest: string, from: string): Commit =>
  keys.signer(from).sign({ type: "Commit", view, seq, digest, from }) as Commit;

const types = (ctx: FakeContext<PbftMessage, PbftTimer>) => ctx.take().map((s) => s.message.type);

/** Drives r1 (a backup in view 0) until `req` is committed at `seq`. */
function commitAt(r: ReturnType<typeof replica>, seq: number, req: Request): void {
  const d = requestDigest(req);
  r.node.onMessage("r0", prePrepare(0, seq, req));
  r.node.onMessage("r2", prepare(0, seq, d, "r2"));
  r.node.onMessage("r2", commit(0, seq, d, "r2"));
  r.node.onMessage("r3", commit(0, seq, d, "r3"));
}

Deno.test("§4.2 a backup prepares a pre-prepare from the primary of its view, and only from it", () => {
  const r1 = replica("r1");
  r1.node.onMessage("r2", prePrepare(0, 1, request(1), "r2"));
  assert.deepEqual(types(r1.ctx), []);
  r1.node.onMessage("r0", prePrepare(0, 1, request(1)));
  const sent = r1.ctx.take();
  assert.deepEqual(sent.map((s) => [s.to, s.message.type]), [
    ["r0", "Prepare"],
    ["r2", "Prepare"],
    ["r3", "Prepare"],
  ]);
});

Deno.test("§4.2 a pre-prepare for another view, or whose digest is not its request's, is ignored", () => {
  const r1 = replica("r1");
  r1.node.onMessage("r0", prePrepare(1, 1, request(1)));
  const bad = keys.signer("r0").sign({
    ...prePrepare(0, 1, request(1)),
    digest: requestDigest(request(2)),
  }) as PrePrepare;
  r1.node.onMessage("r0", bad);
  assert.deepEqual(types(r1.ctx), []);
});

Deno.test("§4.2 one pre-prepare per view and sequence number: an equivocating second one is ignored", () => {
  const r1 = replica("r1");
  r1.node.onMessage("r0", prePrepare(0, 1, request(1, 5)));
  r1.ctx.take();
  r1.node.onMessage("r0", prePrepare(0, 1, request(1, 7)));
  assert.deepEqual(types(r1.ctx), []);
});

Deno.test("§4.2 prepared: the pre-prepare and 2f matching prepares from distinct backups", () => {
  const r1 = replica("r1");
  const req = request(1);
  const d = requestDigest(req);
  r1.node.onMessage("r0", prePrepare(0, 1, req));
  r1.ctx.take();
  // The primary's prepare does not count, nor one for another digest, nor a duplicate.
  r1.node.onMessage("r0", prepare(0, 1, d, "r0"));
  r1.node.onMessage("r3", prepare(0, 1, "other", "r3"));
  assert.deepEqual(types(r1.ctx), []);
  // Its own prepare and r2's make 2f = 2: prepared, so it commits.
  r1.node.onMessage("r2", prepare(0, 1, d, "r2"));
  assert.deepEqual(types(r1.ctx), ["Commit", "Commit", "Commit"]);
  assert.equal(r1.node.preparedCertificates.get(1)?.digest, d);
});

Deno.test("§4.2 isPrepared counts distinct backups whose prepares match view, number and digest", () => {
  const pp = prePrepare(0, 1, request(1));
  const d = pp.digest;
  assert.equal(isPrepared(undefined, [], 0, "r0"), false);
  assert.equal(isPrepared(pp, [prepare(0, 1, d, "r1"), prepare(0, 1, d, "r1")], 2, "r0"), false);
  assert.equal(isPrepared(pp, [prepare(0, 1, d, "r1"), prepare(0, 1, d, "r0")], 2, "r0"), false);
  assert.equal(isPrepared(pp, [prepare(0, 1, d, "r1"), prepare(1, 1, d, "r2")], 2, "r0"), false);
  assert.equal(isPrepared(pp, [prepare(0, 1, d, "r1"), prepare(0, 1, d, "r2")], 2, "r0"), true);
});

Deno.test("§4.2 committed-local needs 2f + 1 matching commits, and execution waits for lower numbers", () => {
  const r1 = replica("r1");
  const first = request(1, 5);
  const second = keys.signer("c1").sign({
    type: "Request",
    client: "c2",
    timestamp: 1,
    amount: 3,
  }) as Request;
  commitAt(r1, 2, second);
  assert.equal(r1.node.lastExecuted, 0, "sequence number 2 waits for 1");
  const d = requestDigest(first);
  r1.node.onMessage("r0", prePrepare(0, 1, first));
  r1.node.onMessage("r2", prepare(0, 1, d, "r2"));
  r1.node.onMessage("r2", commit(0, 1, d, "r2"));
  assert.equal(r1.node.lastExecuted, 0, "its own commit and r2's are only 2 of 2f + 1 = 3");
  r1.ctx.take();
  r1.node.onMessage("r3", commit(0, 1, d, "r3"));
  assert.equal(r1.node.lastExecuted, 2);
  const replies = r1.ctx.take().filter((s) => s.message.type === "Reply").map((s) =>
    s.message as Reply
  );
  assert.deepEqual(replies.map((r) => [r.client, r.result]), [["c1", 5], ["c2", 8]]);
});

Deno.test("§4.2 a prepare forged in another replica's name does not count (unless signatures go unchecked)", () => {
  for (const verifySignatures of [true, false]) {
    const r1 = replica("r1", { verifySignatures });
    const req = request(1);
    r1.node.onMessage("r0", prePrepare(0, 1, req));
    r1.ctx.take();
    const forged = forge(
      keys.signer("r0"),
      { type: "Prepare", view: 0, seq: 1, digest: requestDigest(req), from: "r2" },
      "r2",
    ) as Prepare;
    r1.node.onMessage("r0", forged);
    assert.equal(types(r1.ctx).includes("Commit"), !verifySignatures);
  }
});

Deno.test("§4.1 an executed request sent again gets the same reply, not a second execution", () => {
  const r1 = replica("r1");
  commitAt(r1, 1, request(1, 5));
  r1.ctx.take();
  r1.node.onMessage("c1", request(1, 5));
  const sent = r1.ctx.take();
  assert.deepEqual(sent.map((s) => [s.to, s.message.type]), [["c1", "Reply"]]);
  assert.equal((sent[0]!.message as Reply).result, 5);
  assert.equal(r1.node.ledger.total, 5);
});

Deno.test("§4.4 a backup whose request does not execute in time starts a view change", () => {
  const r1 = replica("r1");
  r1.node.onMessage("c1", request(1));
  assert.deepEqual(r1.ctx.take().map((s) => [s.to, s.message.type]), [["r0", "Request"]]);
  r1.ctx.fire(r1.node, (p) => p.kind === "request");
  assert.equal(r1.node.view, 1);
  assert.ok(r1.node.inViewChange);
  assert.deepEqual(types(r1.ctx), ["ViewChange", "ViewChange", "ViewChange"]);
});

function certificate(view: number, seq: number, req: Request): PreparedCertificate {
  const pp = prePrepare(view, seq, req, replicas[view % 4]);
  const backups = replicas.filter((r) => r !== pp.from).slice(0, 2);
  return {
    seq,
    view,
    digest: pp.digest,
    prePrepare: pp,
    prepares: backups.map((b) => prepare(view, seq, pp.digest, b)),
  };
}

const viewChange = (view: number, from: string, prepared: PreparedCertificate[]): ViewChange =>
  keys.signer(from).sign({
    type: "ViewChange",
    view,
    lastExecuted: 0,
    prepared,
    from,
  }) as ViewChange;

Deno.test("§4.4 NEW-VIEW's O re-proposes the request prepared in the highest view, null for gaps", () => {
  const a = request(1, 1);
  const b = request(2, 2);
  const o = reproposals([
    viewChange(3, "r1", [certificate(0, 1, a)]),
    viewChange(3, "r2", [certificate(1, 1, b), certificate(0, 3, a)]),
    viewChange(3, "r3", []),
  ], 3);
  assert.deepEqual(o.map((p) => [p.view, p.seq, p.digest]), [
    [3, 1, requestDigest(b)],
    [3, 2, NULL_DIGEST],
    [3, 3, requestDigest(a)],
  ]);
});

Deno.test("§4.4 the new primary sends NEW-VIEW after 2f + 1 valid VIEW-CHANGE messages, not before", () => {
  const r1 = replica("r1");
  r1.node.onMessage("c1", request(1));
  r1.ctx.fire(r1.node, (p) => p.kind === "request");
  r1.ctx.take();
  // A forged prepared certificate makes r3's VIEW-CHANGE invalid: it does not count.
  const fake = certificate(0, 1, request(1));
  const forged = {
    ...fake,
    prepares: fake.prepares.map((p) =>
      forge(keys.signer("r3"), { ...p, sig: undefined }, p.from) as Prepare
    ),
  };
  r1.node.onMessage("r3", viewChange(1, "r3", [forged]));
  r1.node.onMessage("r2", viewChange(1, "r2", []));
  // r2 and r3 want view 1 too: f + 1 ask, but r3's is invalid, so only r1 and r2 count.
  assert.deepEqual(types(r1.ctx), []);
  r1.node.onMessage("r3", viewChange(1, "r3", [certificate(0, 1, request(1))]));
  const sent = r1.ctx.take().map((s) => s.message);
  const newView = sent.find((m) => m.type === "NewView");
  assert.ok(newView !== undefined && newView.type === "NewView");
  assert.equal(newView.prePrepares.length, 1);
  assert.equal(newView.prePrepares[0]!.digest, requestDigest(request(1)));
  assert.equal(r1.node.inViewChange, false);
});

Deno.test("§4.4 a backup rejects a NEW-VIEW that leaves a prepared request out of O", () => {
  const r2 = replica("r2");
  r2.node.onMessage("c1", request(1));
  r2.ctx.fire(r2.node, (p) => p.kind === "request");
  const proof = [
    viewChange(1, "r1", [certificate(0, 1, request(1))]),
    viewChange(1, "r2", []),
    viewChange(1, "r3", []),
  ];
  const lying = keys.signer("r1").sign({
    type: "NewView",
    view: 1,
    viewChanges: proof,
    prePrepares: [prePrepare(1, 1, null, "r1")],
    from: "r1",
  }) as PbftMessage;
  r2.node.onMessage("r1", lying);
  assert.ok(r2.node.inViewChange, "the NEW-VIEW was rejected");
  const honest = keys.signer("r1").sign({
    type: "NewView",
    view: 1,
    viewChanges: proof,
    prePrepares: [prePrepare(1, 1, request(1), "r1")],
    from: "r1",
  }) as PbftMessage;
  r2.node.onMessage("r1", honest);
  assert.equal(r2.node.inViewChange, false);
  assert.equal(r2.node.view, 1);
});

Deno.test("§4.5.2 a replica joins a view change when f + 1 others ask for a later view", () => {
  const r3 = replica("r3");
  r3.node.onMessage("r1", viewChange(2, "r1", []));
  assert.equal(r3.node.view, 0);
  r3.node.onMessage("r2", viewChange(1, "r2", []));
  assert.equal(r3.node.view, 1, "the smallest view asked for");
  assert.ok(r3.node.inViewChange);
});

function client(accept: "f+1" | "first" = "f+1") {
  const ctx = new FakeContext<PbftMessage, PbftClientTimer>("c1", ["c1"]);
  const node = new PbftClient(ctx, {
    replicas,
    signer: keys.signer("c1"),
    verifier: keys.verifier,
    requests: 1,
    accept,
  });
  node.start();
  const sent = ctx.take();
  return { ctx, node, request: sent[0]!.message as Request };
}

const reply = (from: string, timestamp: number, result: number): Reply =>
  keys.signer(from).sign({
    type: "Reply",
    view: 0,
    client: "c1",
    timestamp,
    result,
    from,
  }) as Reply;

Deno.test("§4.1 a client accepts a result only with f + 1 matching replies from distinct replicas", () => {
  const c = client();
  assert.equal(c.request.client, "c1");
  c.node.onMessage("r0", reply("r0", 1, 99));
  c.node.onMessage("r0", reply("r0", 1, 99));
  c.node.onMessage("r1", reply("r1", 1, 5));
  c.node.onMessage(
    "r2",
    forge(keys.signer("r0"), { ...reply("r0", 1, 99), from: "r2", sig: undefined }, "r2") as Reply,
  );
  assert.equal(c.node.accepted.length, 0, "one lie, one truth and a forgery are not f + 1");
  c.node.onMessage("r2", reply("r2", 1, 5));
  assert.deepEqual(c.node.accepted.map((a) => [a.result, a.repliers]), [[5, ["r1", "r2"]]]);
  assert.ok(c.node.done);
});

Deno.test("§4.1 a client without a result resends its request to every replica", () => {
  const c = client();
  c.ctx.fire(c.node, "retry");
  assert.deepEqual(c.ctx.take().map((s) => s.to), replicas);
});

Deno.test("§4.2 replayed messages do not execute a request twice, nor at a second number", () => {
  const r1 = replica("r1");
  const req = request(1, 5);
  commitAt(r1, 1, req);
  // The same signed messages again, and the same request replayed at number 2.
  commitAt(r1, 1, req);
  commitAt(r1, 2, req);
  assert.equal(r1.node.lastExecuted, 2);
  assert.equal(r1.node.ledger.total, 5, "the request ran once");
  const replies = r1.ctx.take().filter((s) => s.message.type === "Reply");
  assert.equal(replies.length, 1);
});
