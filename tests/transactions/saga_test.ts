/**
 * The saga's parts, one rule at a time: the saga's state machine (a property over every
 * sequence of answers), the orchestrator's durable state written before it acts and
 * resumed after a restart, the payments service's local transaction (balance and outbox
 * together) and its idempotent retries, the relay's at-least-once delivery and the bank's
 * deduplication; then the trial's parameters and determinism.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError, findExperiment } from "../../lib/mod.ts";
import { MemoryStorage } from "../../lib/sim/mod.ts";
import { FakeContext } from "../../lib/testing/mod.ts";
import {
  advanceSaga,
  buildSaga,
  COMPENSATION,
  Inbox,
  MerchantBank,
  nextAction,
  type Order,
  Outbox,
  PaymentsService,
  type PaymentsTimer,
  readCharges,
  refundEveryTime,
  refundOncePerKey,
  runOnce,
  SAGA_STEPS,
  SAGA_STEPS_WITH_LOCK,
  type SagaAction,
  type SagaMessage,
  sagaMoney,
  SagaOrchestrator,
  SagaParamsSchema,
  type SagaRecord,
  type SagaTimer,
} from "../../lib/transactions/mod.ts";

const ORDER: Order = { orderId: "o1", customer: "c1", item: "i1", quantity: 2, amount: 30 };

Deno.test("advanceSaga ends every saga completed or compensated, compensating done steps in reverse", () => {
  fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (answers) => {
    let saga: SagaRecord = { order: ORDER, phase: "forward", done: [] };
    const actions: SagaAction[] = [];
    for (const ok of answers) {
      const action = nextAction(saga);
      if (action === undefined) break;
      actions.push(action);
      saga = advanceSaga(saga, action, ok);
    }
    assert.ok(saga.phase === "completed" || saga.phase === "compensated");
    if (saga.phase === "completed") {
      assert.deepEqual(actions, [...SAGA_STEPS]);
      return;
    }
    // Forward steps up to the refused one, then the compensations of those done, newest first.
    const refused = actions.indexOf(saga.refusedStep!);
    const done = actions.slice(0, refused) as (typeof SAGA_STEPS)[number][];
    const undo = done.map((step) => COMPENSATION[step]).filter((a) => a !== undefined).reverse();
    assert.deepEqual(actions.slice(refused + 1), undo);
    assert.deepEqual(saga.done, []);
  }));
});

Deno.test("advanceSaga refuses an answer to an action the saga does not wait for", () => {
  const saga: SagaRecord = { order: ORDER, phase: "forward", done: [] };
  assert.throws(() => advanceSaga(saga, "reserve", true), /waits for charge, not reserve/);
});

type OrchestratorContext = FakeContext<SagaMessage, SagaTimer, { stored: SagaRecord | undefined }>;

function orchestrator(storage = new MemoryStorage(), incarnation = 1) {
  const ctx: OrchestratorContext = new FakeContext("orders", ["orders", "payments"], {
    storage,
    incarnation,
    onSend: (c) => ({ stored: c.storage.get<SagaRecord>("saga:o1") }),
  });
  const node = new SagaOrchestrator(ctx, {
    retryMs: 40,
    durableState: true,
    idempotencyKeys: true,
  });
  return { ctx, node, storage };
}

Deno.test("SagaOrchestrator stores a saga before it sends the command, and resumes it after a restart", () => {
  const { ctx, node, storage } = orchestrator();
  node.start();
  node.onMessage("shop", { type: "PlaceOrder", order: ORDER });
  const [charge, accepted] = ctx.take();
  assert.equal(charge!.message.type, "Charge");
  assert.equal((charge!.message as { key?: string }).key, "o1:charge");
  assert.equal(charge!.stored?.phase, "forward", "the saga was stored before the charge left");
  assert.equal(accepted!.message.type, "OrderAccepted");
  node.onMessage("payments", { type: "Reply", orderId: "o1", action: "charge", ok: true });
  assert.equal(
    ctx.take()[0]!.stored?.done.length,
    1,
    "the charge was recorded before reserve left",
  );

  // A crash loses the object; a new incarnation over the same storage resends the reserve.
  const again = orchestrator(storage, 2);
  again.node.start();
  const [resent] = again.ctx.take();
  assert.equal(resent!.message.type, "Reserve");
  assert.equal((resent!.message as { key?: string }).key, "o1:reserve");
  // A late answer to the charge, already dealt with, changes nothing.
  again.node.onMessage("payments", { type: "Reply", orderId: "o1", action: "charge", ok: true });
  assert.deepEqual(again.ctx.take(), []);
});

Deno.test("SagaOrchestrator resends a command its timer finds unanswered, with the same key", () => {
  const { ctx, node } = orchestrator();
  node.onMessage("shop", { type: "PlaceOrder", order: ORDER });
  ctx.take();
  ctx.fire(node, (t) => t.action === "charge");
  const [retry] = ctx.take();
  assert.equal(retry!.message.type, "Charge");
  assert.equal((retry!.message as { key?: string }).key, "o1:charge");
});

function payments(refundRule = refundOncePerKey, outbox = true) {
  const ctx = new FakeContext<SagaMessage, PaymentsTimer, { outbox: number; balance: number }>(
    "payments",
    ["payments", "orders", "bank"],
    {
      onSend: (c) => ({
        outbox: new Outbox(c.storage).pending().length,
        balance: c.storage.get<Record<string, number>>("balances")!.c1!,
      }),
    },
  );
  const node = new PaymentsService(ctx, {
    balances: { c1: 100 },
    bank: "bank",
    relayEveryMs: 20,
    outbox,
    publishDelayMs: 10,
    refundRule,
  });
  node.start();
  return { ctx, node };
}

Deno.test("PaymentsService debits and queues the merchant's credit in one handler, once per key", () => {
  const { ctx, node } = payments();
  node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
  const [reply] = ctx.take();
  assert.equal(reply!.balance, 70);
  assert.equal(reply!.outbox, 1, "the message was in the outbox before the reply left");
  node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
  assert.equal(ctx.take()[0]!.balance, 70, "a retry with the same key is not charged again");
  assert.deepEqual(readCharges(ctx.storage).o1, { charges: 1, refunds: 0 });
  // Without a key, a retry is a second charge.
  node.onMessage("orders", { type: "Charge", order: ORDER });
  assert.equal(ctx.take()[0]!.balance, 40);
});

Deno.test("PaymentsService's relay resends the outbox until the bank acknowledges", () => {
  const { ctx, node } = payments();
  node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
  ctx.take();
  ctx.fire(node, "relay");
  ctx.fire(node, "relay");
  const events = ctx.take().filter((s) => s.message.type === "Event");
  assert.equal(events.length, 2, "sent again while unacknowledged: at least once");
  node.onMessage("bank", { type: "EventAck", id: "charge:o1" });
  ctx.fire(node, "relay");
  assert.deepEqual(ctx.take(), []);
});

Deno.test("The dual write keeps the message in memory only: a restarted service has lost it", () => {
  const { ctx, node } = payments(refundOncePerKey, false);
  node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
  assert.equal(ctx.take()[0]!.outbox, 0);
  assert.equal(node.volatileMessages.length, 1);
  const restarted = new PaymentsService(
    new FakeContext<SagaMessage, PaymentsTimer>("payments", ["payments"], {
      storage: ctx.storage,
      incarnation: 2,
    }),
    {
      balances: {},
      bank: "bank",
      relayEveryMs: 20,
      outbox: false,
      publishDelayMs: 10,
      refundRule: refundOncePerKey,
    },
  );
  assert.equal(restarted.volatileMessages.length, 0);
  assert.equal(ctx.storage.get<Record<string, number>>("balances")!.c1, 70, "the debit survived");
});

Deno.test("A refund rule keyed on the request refunds once; refunding every time pays twice", () => {
  for (const [rule, balance] of [[refundOncePerKey, 100], [refundEveryTime, 130]] as const) {
    const { ctx, node } = payments(rule);
    node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
    node.onMessage("orders", { type: "Refund", order: ORDER, key: "o1:refund" });
    node.onMessage("orders", { type: "Refund", order: ORDER, key: "o1:refund" });
    assert.equal(ctx.storage.get<Record<string, number>>("balances")!.c1, balance);
  }
});

Deno.test("MerchantBank applies a redelivered message once and acknowledges every copy", () => {
  const ctx = new FakeContext<SagaMessage>("bank", ["bank", "payments"]);
  const bank = new MerchantBank(ctx, { dedupe: true });
  const event = { type: "Event", id: "charge:o1", orderId: "o1", merchantDelta: 30 } as const;
  bank.onMessage("payments", event);
  bank.onMessage("payments", event);
  assert.equal(ctx.storage.get<number>("merchant"), 30);
  assert.equal(ctx.take().filter((s) => s.message.type === "EventAck").length, 2);
});

Deno.test("Outbox, Inbox and runOnce keep their records in durable storage", () => {
  const storage = new MemoryStorage();
  const outbox = new Outbox(storage);
  outbox.add({ id: "a", orderId: "o1", merchantDelta: 5 });
  outbox.add({ id: "b", orderId: "o2", merchantDelta: -5 });
  outbox.remove("a");
  assert.deepEqual(new Outbox(storage).pending().map((e) => e.id), ["b"]);
  const inbox = new Inbox(storage);
  let applied = 0;
  assert.equal(inbox.applyOnce("b", () => applied++), true);
  assert.equal(new Inbox(storage).applyOnce("b", () => applied++), false);
  assert.equal(applied, 1);
  let runs = 0;
  assert.equal(runOnce(storage, "k", () => ++runs), 1);
  assert.equal(runOnce(storage, "k", () => ++runs), 1);
  assert.equal(runOnce(storage, undefined, () => ++runs), 2);
});

Deno.test("saga-money refuses a bad parameter before it runs, naming the field", () => {
  assert.throws(() => sagaMoney.run({ variant: "sloppy" } as never, 1), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /variant/);
    return true;
  });
  assert.throws(
    () => sagaMoney.run({ shippingRefusalProbability: 2 }, 1),
    /shippingRefusalProbability/,
  );
});

Deno.test("saga-money is registered, and the same seed gives the same row", () => {
  assert.equal(findExperiment("saga-money"), sagaMoney);
  assert.deepEqual(sagaMoney.run({}, 7), sagaMoney.run({}, 7));
  const [row] = sagaMoney.run({}, 7);
  assert.equal(row!.conserved, true);
  assert.equal(row!.completed + row!.compensated, row!.orders);
});

Deno.test("With a semantic lock the saga confirms the charge last, and readers see it pending until then", () => {
  let saga: SagaRecord = { order: ORDER, phase: "forward", done: [], steps: SAGA_STEPS_WITH_LOCK };
  const actions: SagaAction[] = [];
  for (let action = nextAction(saga); action !== undefined; action = nextAction(saga)) {
    actions.push(action);
    saga = advanceSaga(saga, action, true);
  }
  assert.deepEqual(actions, ["charge", "reserve", "ship", "confirm"]);
  assert.equal(saga.phase, "completed");

  const ctx = new FakeContext<SagaMessage, PaymentsTimer>("payments", ["payments", "auditor"]);
  const node = new PaymentsService(ctx, {
    balances: { c1: 100 },
    bank: "bank",
    relayEveryMs: 20,
    outbox: true,
    publishDelayMs: 10,
    refundRule: refundOncePerKey,
    semanticLock: true,
  });
  const statement = () => {
    node.onMessage("auditor", { type: "ReadStatement" });
    return ctx.take().find((s) => s.message.type === "Statement")!.message;
  };
  node.onMessage("orders", { type: "Charge", order: ORDER, key: "o1:charge" });
  assert.deepEqual(statement(), { type: "Statement", debited: [], pending: ["o1"] });
  node.onMessage("orders", { type: "Confirm", order: ORDER, key: "o1:confirm" });
  assert.deepEqual(statement(), { type: "Statement", debited: ["o1"], pending: [] });
});

Deno.test("A saga run is a function of its seed: the same seed gives the same trace, another seed another", () => {
  const params = SagaParamsSchema.parse({});
  const traceOf = (seed: number) => {
    const system = buildSaga(params, seed, { record: true });
    system.simulation.runUntil(1_500);
    return system.simulation.trace.hash();
  };
  assert.equal(traceOf(3), traceOf(3));
  assert.notEqual(traceOf(3), traceOf(4));
});
