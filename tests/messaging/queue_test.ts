import assert from "node:assert/strict";
import { caughtWithin, describeFailures, faultSweep, runTrial } from "../../lib/testing/mod.ts";
import {
  buildQueueDelivery,
  creditPaymentOnce,
  Database,
  deliveryCounts,
  QueueBroker,
  QueueConsumer,
  QueueDeliveryParamsSchema,
  queueDeliveryTrial,
  type QueueMessage,
  QueueProducer,
} from "../../lib/messaging/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

const PROFILES = {
  calm: { faultsPerSecond: 2, lossProbability: 0.01 },
  stormy: { faultsPerSecond: 8, lossProbability: 0.1 },
};
// The network also delivers some messages twice (at-most-once promises nothing then).
const WITH_DUPLICATION = { ...PROFILES, duplicating: { duplicateProbability: 0.05 } };

Deno.test("at-least-once with an idempotent consumer: 1,000 seeds, nothing lost, no payment credited twice", () => {
  const result = faultSweep(queueDeliveryTrial, {
    seeds: 1000,
    profiles: WITH_DUPLICATION,
    params: { semantics: "at-least-once", idempotentConsumer: true },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((r) => r.lost === 0 && r.effectsDuplicated === 0));
  assert.ok(result.rows.every((r) => r.balanceError === 0));
  // The faults did bite: messages were delivered twice, and the consumer absorbed it.
  assert.ok(result.rows.filter((r) => r.duplicated > 0).length > 900);
});

Deno.test("at-least-once without idempotence: 1,000 seeds lose nothing, and credit some payments twice", () => {
  const result = faultSweep(queueDeliveryTrial, {
    seeds: 1000,
    profiles: WITH_DUPLICATION,
    params: { semantics: "at-least-once" },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((r) => r.lost === 0));
  assert.ok(result.rows.filter((r) => r.effectsDuplicated > 0).length > 900);
  assert.ok(result.rows.every((r) => r.balanceError >= 0));
});

Deno.test("at-most-once: 300 seeds never deliver twice, and lose payments under crashes", () => {
  const result = faultSweep(queueDeliveryTrial, {
    seeds: 300,
    profiles: PROFILES,
    params: { semantics: "at-most-once" },
  });
  assert.equal(result.failures.length, 0, describeFailures(result.failures));
  assert.ok(result.rows.every((r) => r.duplicated === 0 && r.effectsDuplicated === 0));
  assert.ok(result.rows.filter((r) => r.lost > 0).length > 250);
});

Deno.test("a consumer that acks before processing is caught losing a message within 100 seeds", () => {
  for (const firstSeed of [1, 501]) {
    const failure = caughtWithin(queueDeliveryTrial, 100, {
      firstSeed,
      params: { ackBeforeProcessing: true },
      excerpt: false,
    });
    assert.equal(failure.kind, "safety");
    assert.equal(failure.invariant, "at-least-once loses no message");
    assert.match(failure.message, /acknowledged m\d+, then crashed before processing it/);
  }
});

Deno.test("an idempotent flag without the dedup is caught crediting twice within 50 seeds", () => {
  // The trial's idempotence invariant must have teeth: build with the plain handler.
  let caught: number | undefined;
  for (let seed = 1; seed <= 50 && caught === undefined; seed++) {
    const params = QueueDeliveryParamsSchema.parse({ idempotentConsumer: true });
    const system = buildQueueDelivery(params, seed, {
      handler: (item, tx) => {
        const key = `balance:${item.body.account}`;
        tx.set(key, (tx.get<number>(key) ?? 0) + item.body.amount);
      },
    });
    const trial = queueDeliveryTrial.invariants!.find((i) => i.name.startsWith("an idempotent"))!;
    system.simulation.runUntil(params.faultsUntilMs + 2_000);
    if (trial.check(system) !== undefined) caught = seed;
  }
  assert.notEqual(caught, undefined);
});

Deno.test("a poison message goes to the dead-letter queue after maxReceiveCount deliveries", () => {
  const result = runTrial(queueDeliveryTrial, {
    poisonEvery: 10,
    maxReceiveCount: 3,
    faultsPerSecond: 0,
    lossProbability: 0,
  }, 1);
  assert.equal(result.failure, undefined);
  assert.equal(result.row.deadLettered, 10);
  assert.equal(result.row.lost, 0);
  const dead = result.system.broker().deadLetters();
  assert.ok(dead.every((d) => d.receiveCount === 3 && d.item.body.account === "poison"));
  // Without a dead-letter queue the poison messages are redelivered for ever.
  const stuck = runTrial(
    queueDeliveryTrial,
    {
      poisonEvery: 10,
      faultsPerSecond: 0,
      drainWithinMs: 2_000,
    },
    1,
    { excerpt: false },
  );
  assert.equal(stuck.failure?.kind, "liveness");
  assert.equal(stuck.failure?.invariant, "the queue drains");
});

Deno.test("publish-subscribe: every subscription gets every message", () => {
  const sim = new Simulation<QueueMessage>({ seed: 4, network: { lossProbability: 0.05 } });
  const items = Array.from({ length: 30 }, (_, i) => ({
    id: `m${i}`,
    body: { account: "a", amount: 1 },
  }));
  sim.addNode("broker", (ctx) =>
    new QueueBroker(ctx, {
      semantics: "at-least-once",
      subscriptions: ["billing", "audit"],
      visibilityTimeoutMs: 50,
    }));
  sim.addNode("producer", (ctx) =>
    new QueueProducer(ctx, {
      broker: "broker",
      items,
      gapMs: 3,
      semantics: "at-least-once",
      resendAfterMs: 30,
    }));
  const dbs = { billing: new Database(), audit: new Database() };
  for (const [subscription, database] of Object.entries(dbs)) {
    sim.addNodes([`${subscription}1`, `${subscription}2`], (ctx) =>
      new QueueConsumer(ctx, {
        broker: "broker",
        subscription,
        database,
        handler: creditPaymentOnce,
        semantics: "at-least-once",
        processingMs: [1, 4],
        pollMs: 5,
      }));
  }
  sim.runUntil(2_000);
  for (const database of Object.values(dbs)) assert.equal(database.get("balance:a"), 30);
});

Deno.test("queue-delivery is deterministic and validates its parameters", () => {
  const a = runTrial(queueDeliveryTrial, {}, 9).row;
  const b = runTrial(queueDeliveryTrial, {}, 9).row;
  assert.deepEqual(a, b);
  const system = buildQueueDelivery(QueueDeliveryParamsSchema.parse({}), 9);
  system.simulation.runUntil(5_000);
  assert.equal(deliveryCounts(system).published, 100);
  assert.throws(
    () => runTrial(queueDeliveryTrial, { semantics: "exactly-once" as never }, 1),
    /semantics/,
  );
  assert.throws(
    () => runTrial(queueDeliveryTrial, { processingMinMs: 10, processingMaxMs: 5 }, 1),
    /processingMaxMs: must be at least processingMinMs/,
  );
});
