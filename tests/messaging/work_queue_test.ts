import assert from "node:assert/strict";
import {
  type DeliverySemantics,
  QueueBroker,
  type QueueMessage,
  type VisibilityTimer,
} from "../../lib/messaging/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

/** A broker, one message, and a consumer that asks every 10 ms and never acknowledges. */
function neverAcks(semantics: DeliverySemantics, maxReceiveCount = 0) {
  const sim = new Simulation<QueueMessage>({
    seed: 1,
    network: { latency: { kind: "constant", ms: 1 } },
  });
  const deliveries: { atMs: number; receiveCount: number }[] = [];
  sim.addNode<VisibilityTimer>(
    "broker",
    (ctx) => new QueueBroker(ctx, { semantics, visibilityTimeoutMs: 100, maxReceiveCount }),
  );
  sim.addNode<"poll">("consumer", (ctx) => ({
    start: () => ctx.setTimer(0, "poll"),
    onTimer: () => {
      ctx.send("broker", { type: "Receive", subscription: "main" });
      ctx.setTimer(10, "poll");
    },
    onMessage: (_from, message) => {
      if (message.type === "Deliver") {
        deliveries.push({ atMs: sim.now, receiveCount: message.receiveCount });
      }
    },
  }));
  sim.at(0, () =>
    sim.node<QueueBroker>("broker")!.onMessage("consumer", {
      type: "Publish",
      item: { id: "m1", body: { account: "a", amount: 1 } },
    }));
  sim.runUntil(450);
  return { deliveries, broker: sim.node<QueueBroker>("broker")! };
}

Deno.test("at-least-once: an unacknowledged message is redelivered after each visibility timeout", () => {
  const { deliveries } = neverAcks("at-least-once");
  assert.deepEqual(deliveries.map((d) => d.receiveCount), [1, 2, 3, 4, 5]);
  // Each redelivery comes one visibility timeout after the last, plus the wait for a poll.
  for (let i = 1; i < deliveries.length; i++) {
    const gap = deliveries[i]!.atMs - deliveries[i - 1]!.atMs;
    assert.ok(gap >= 100 && gap <= 112, `gap ${gap}`);
  }
});

Deno.test("at-most-once: a message is handed out once and forgotten", () => {
  const { deliveries, broker } = neverAcks("at-most-once");
  assert.equal(deliveries.length, 1);
  assert.deepEqual(broker.held(), []);
});

Deno.test("maxReceiveCount moves a message to the dead-letter queue instead of a further delivery", () => {
  const { deliveries, broker } = neverAcks("at-least-once", 2);
  assert.equal(deliveries.length, 2);
  assert.deepEqual(broker.deadLetters().map((d) => [d.item.id, d.receiveCount]), [["m1", 2]]);
  assert.throws(() => broker.held("audit"), /Cannot read subscription "audit"/);
});
