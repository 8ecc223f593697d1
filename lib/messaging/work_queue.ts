/**
 * A message broker with work queues, as Amazon SQS or a RabbitMQ queue: producers
 * publish to a topic, the broker copies each message into every subscription's queue
 * (publish-subscribe), and consumers of one subscription share its messages (a work
 * queue: each message goes to one of them).
 *
 * Delivery semantics are a choice of when a message is forgotten:
 *
 * - **at-most-once**: the producer sends once, and the broker forgets a message as it
 *   hands it out. A lost message or a consumer that crashes mid-work loses it; nothing is
 *   ever delivered twice.
 * - **at-least-once**: the producer resends until the broker acknowledges, and a
 *   delivered message stays in the queue, invisible for a **visibility timeout**, until
 *   its consumer **acknowledges** it after processing. No ack in time (lost, crashed,
 *   slow): it becomes visible again and is redelivered. Nothing is lost; messages can be
 *   delivered, and processed, more than once.
 *
 * A message delivered `maxReceiveCount` times without an ack goes to the subscription's
 * **dead-letter queue** instead of being delivered again, so one message that always
 * fails (a "poison" message) cannot block a queue for ever.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { Database, Transaction } from "./database.ts";

/** How long the broker keeps a message: until it is handed out, or until it is acknowledged. */
export type DeliverySemantics = "at-most-once" | "at-least-once";

/** The work a message asks for: credit `amount` to `account`. */
export interface Payment {
  /** The account to credit. */
  readonly account: string;
  /** How much. */
  readonly amount: number;
}

/** A message on a topic: a unique id (the producer's) and a body. */
export interface QueueItem {
  /** The producer's id for the message; a resend carries the same id. */
  readonly id: string;
  /** The payment. */
  readonly body: Payment;
}

/** Messages between producers, the broker and consumers. */
export type QueueMessage =
  | { readonly type: "Publish"; readonly item: QueueItem }
  | { readonly type: "PublishAck"; readonly id: string }
  | { readonly type: "Receive"; readonly subscription: string }
  | {
    readonly type: "Deliver";
    readonly subscription: string;
    readonly entry: number;
    readonly item: QueueItem;
    readonly receiveCount: number;
  }
  | { readonly type: "Ack"; readonly subscription: string; readonly entry: number };

/** Options of {@link QueueBroker}. */
export interface QueueBrokerOptions {
  /** When messages are forgotten. */
  readonly semantics: DeliverySemantics;
  /** The subscriptions: each gets a copy of every published message. Default ["main"]. */
  readonly subscriptions?: readonly string[];
  /** How long a delivered, unacknowledged message stays invisible, in ms. */
  readonly visibilityTimeoutMs: number;
  /** Deliveries after which a message goes to the dead-letter queue (0: never). Default 0. */
  readonly maxReceiveCount?: number;
}

interface Entry {
  readonly entry: number;
  readonly item: QueueItem;
  receiveCount: number;
  inFlight: boolean;
}

interface Subscription {
  readonly entries: Map<number, Entry>;
  /** Entry numbers ready for delivery, oldest first. */
  readonly visible: number[];
  readonly deadLetters: Entry[];
}

/** A timer of the broker: a delivered entry's visibility timeout. */
export interface VisibilityTimer {
  /** The subscription. */
  readonly subscription: string;
  /** The entry. */
  readonly entry: number;
  /** Its receive count when delivered (a later delivery has its own timer). */
  readonly receiveCount: number;
}

/**
 * The broker: a topic and its subscriptions' queues. It never crashes in this course's
 * trials (a replicated broker is chapters 04 to 08); its queues are in memory.
 */
export class QueueBroker implements Node<QueueMessage, VisibilityTimer> {
  readonly #ctx: NodeContext<QueueMessage, VisibilityTimer>;
  readonly #options: QueueBrokerOptions;
  readonly #subscriptions = new Map<string, Subscription>();
  #nextEntry = 1;
  #deliveries = 0;

  /** A broker acting through `ctx`. */
  constructor(ctx: NodeContext<QueueMessage, VisibilityTimer>, options: QueueBrokerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    for (const name of options.subscriptions ?? ["main"]) {
      this.#subscriptions.set(name, { entries: new Map(), visible: [], deadLetters: [] });
    }
  }

  /** Deliveries made, over all subscriptions (redeliveries included). */
  get deliveries(): number {
    return this.#deliveries;
  }

  /** Messages still held by `subscription` (visible or in flight). */
  held(subscription = "main"): QueueItem[] {
    return [...this.#sub(subscription).entries.values()].map((e) => e.item);
  }

  /** Whether `subscription` holds a copy of message `id`. */
  holds(id: string, subscription = "main"): boolean {
    for (const e of this.#sub(subscription).entries.values()) if (e.item.id === id) return true;
    return false;
  }

  /** The messages moved to `subscription`'s dead-letter queue, with their receive counts. */
  deadLetters(subscription = "main"): { item: QueueItem; receiveCount: number }[] {
    return this.#sub(subscription).deadLetters.map((e) => ({
      item: e.item,
      receiveCount: e.receiveCount,
    }));
  }

  /** Handles publishes, receives and acks. */
  onMessage(from: NodeId, message: QueueMessage): void {
    switch (message.type) {
      case "Publish":
        for (const sub of this.#subscriptions.values()) {
          const entry = this.#nextEntry++;
          sub.entries.set(entry, { entry, item: message.item, receiveCount: 0, inFlight: false });
          sub.visible.push(entry);
        }
        if (this.#options.semantics === "at-least-once") {
          this.#ctx.send(from, { type: "PublishAck", id: message.item.id });
        }
        return;
      case "Receive":
        return this.#deliver(from, message.subscription);
      case "Ack":
        this.#subscriptions.get(message.subscription)?.entries.delete(message.entry);
        return;
      default:
        return;
    }
  }

  /** A visibility timeout: the entry becomes visible again unless it was acknowledged. */
  onTimer(timer: VisibilityTimer): void {
    const sub = this.#subscriptions.get(timer.subscription);
    const entry = sub?.entries.get(timer.entry);
    if (sub === undefined || entry === undefined) return;
    if (!entry.inFlight || entry.receiveCount !== timer.receiveCount) return;
    entry.inFlight = false;
    sub.visible.push(entry.entry);
  }

  #deliver(to: NodeId, name: string): void {
    const sub = this.#subscriptions.get(name);
    if (sub === undefined) return;
    const max = this.#options.maxReceiveCount ?? 0;
    for (;;) {
      const number = sub.visible.shift();
      if (number === undefined) return;
      const entry = sub.entries.get(number);
      if (entry === undefined) continue;
      if (max > 0 && entry.receiveCount >= max) {
        sub.entries.delete(number);
        sub.deadLetters.push(entry);
        this.#ctx.log(`dead-lettered ${entry.item.id} after ${entry.receiveCount} deliveries`);
        continue;
      }
      entry.receiveCount++;
      this.#deliveries++;
      if (this.#options.semantics === "at-most-once") {
        sub.entries.delete(number);
      } else {
        entry.inFlight = true;
        this.#ctx.setTimer(this.#options.visibilityTimeoutMs, {
          subscription: name,
          entry: number,
          receiveCount: entry.receiveCount,
        });
      }
      this.#ctx.send(to, {
        type: "Deliver",
        subscription: name,
        entry: number,
        item: entry.item,
        receiveCount: entry.receiveCount,
      });
      return;
    }
  }

  #sub(name: string): Subscription {
    const sub = this.#subscriptions.get(name);
    if (sub === undefined) {
      throw new RangeError(`Cannot read subscription ${JSON.stringify(name)}: the broker has none`);
    }
    return sub;
  }
}

/** Options of {@link QueueProducer}. */
export interface QueueProducerOptions {
  /** The broker's id. */
  readonly broker: NodeId;
  /** The messages to publish, one every `gapMs`. */
  readonly items: readonly QueueItem[];
  /** Time between two publishes, in ms. */
  readonly gapMs: number;
  /** at-least-once: resend until acknowledged; at-most-once: send once. */
  readonly semantics: DeliverySemantics;
  /** How long to wait for an acknowledgement before resending, in ms. */
  readonly resendAfterMs: number;
}

/** A producer timer: publish the next message, or resend those unacknowledged. */
export type ProducerTimer = "next" | "resend";

/** Publishes its messages in order; at-least-once, it resends each until acknowledged. */
export class QueueProducer implements Node<QueueMessage, ProducerTimer> {
  readonly #ctx: NodeContext<QueueMessage, ProducerTimer>;
  readonly #options: QueueProducerOptions;
  readonly #pending = new Map<string, QueueItem>();
  #next = 0;

  /** A producer acting through `ctx`. */
  constructor(ctx: NodeContext<QueueMessage, ProducerTimer>, options: QueueProducerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Messages published and not yet acknowledged (always 0 at-most-once). */
  get pending(): number {
    return this.#pending.size;
  }

  /** Whether every message has been sent (and, at-least-once, acknowledged). */
  get done(): boolean {
    return this.#next >= this.#options.items.length && this.#pending.size === 0;
  }

  /** Starts publishing. */
  start(): void {
    this.#ctx.setTimer(0, "next");
    if (this.#options.semantics === "at-least-once") {
      this.#ctx.setTimer(this.#options.resendAfterMs, "resend");
    }
  }

  /** Forgets an acknowledged message. */
  onMessage(_from: NodeId, message: QueueMessage): void {
    if (message.type === "PublishAck") this.#pending.delete(message.id);
  }

  /** Publishes the next message, or resends. */
  onTimer(timer: ProducerTimer): void {
    if (timer === "next") {
      const item = this.#options.items[this.#next++];
      if (item === undefined) return;
      if (this.#options.semantics === "at-least-once") this.#pending.set(item.id, item);
      this.#ctx.send(this.#options.broker, { type: "Publish", item });
      this.#ctx.setTimer(this.#options.gapMs, "next");
      return;
    }
    for (const item of this.#pending.values()) {
      this.#ctx.send(this.#options.broker, { type: "Publish", item });
    }
    if (!this.done) this.#ctx.setTimer(this.#options.resendAfterMs, "resend");
  }
}

/**
 * A consumer's processing: the work a message asks for, as one database transaction.
 * Throwing rolls the transaction back and leaves the message unacknowledged.
 */
export type MessageHandler = (item: QueueItem, tx: Transaction) => void;

/** Credits the payment: run twice, it credits twice. */
export function creditPayment(item: QueueItem, tx: Transaction): void {
  const key = `balance:${item.body.account}`;
  tx.set(key, (tx.get<number>(key) ?? 0) + item.body.amount);
}

/**
 * Credits the payment once per message id: the transaction records the id with the
 * credit, and skips a message whose id it has recorded. This is an idempotent consumer.
 */
export function creditPaymentOnce(item: QueueItem, tx: Transaction): void {
  const seen = `processed:${item.id}`;
  if (tx.get<boolean>(seen) === true) return;
  tx.set(seen, true);
  creditPayment(item, tx);
}

/** What a consumer tells the world's observer (the trial's bookkeeping, not the protocol). */
export interface ConsumerObserver {
  /** A delivery of `id` reached a consumer. */
  delivered(id: string, consumer: NodeId): void;
  /** `consumer` acknowledged `id` before its transaction committed. */
  ackedEarly(id: string, consumer: NodeId, instance: object): void;
  /** A transaction for `id` committed; `changed` says whether it changed the database. */
  committed(id: string, changed: boolean): void;
}

/** Options of {@link QueueConsumer}. */
export interface QueueConsumerOptions {
  /** The broker's id. */
  readonly broker: NodeId;
  /** The subscription it consumes. Default "main". */
  readonly subscription?: string;
  /** The database its transactions run against. */
  readonly database: Database;
  /** What processing a message does. Default {@link creditPayment}. */
  readonly handler?: MessageHandler;
  /** The broker's semantics: at-most-once needs no ack. */
  readonly semantics: DeliverySemantics;
  /** Broken variant: acknowledge on receipt, before processing. Default false. */
  readonly ackBeforeProcessing?: boolean;
  /** How long processing one message takes, in ms: uniform between these. */
  readonly processingMs: readonly [number, number];
  /** How often an idle consumer asks for a message, in ms. */
  readonly pollMs: number;
  /** Told about deliveries and commits. */
  readonly observer?: ConsumerObserver;
}

/** A consumer timer: poll for work, or finish processing the current message. */
export type ConsumerTimer = "poll" | "done";

interface Delivery {
  readonly entry: number;
  readonly item: QueueItem;
}

/**
 * A consumer: asks the broker for a message when idle, processes one at a time (taking
 * `processingMs`), and acknowledges after its transaction commits (or, broken, before it
 * starts). Everything it holds is in memory: a crash loses the message it was working on.
 */
export class QueueConsumer implements Node<QueueMessage, ConsumerTimer> {
  readonly #ctx: NodeContext<QueueMessage, ConsumerTimer>;
  readonly #options: QueueConsumerOptions;
  readonly #inbox: Delivery[] = [];
  #current: Delivery | undefined;

  /** A consumer acting through `ctx`. */
  constructor(ctx: NodeContext<QueueMessage, ConsumerTimer>, options: QueueConsumerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Whether it holds no message (nothing being processed, nothing waiting). */
  get idle(): boolean {
    return this.#current === undefined && this.#inbox.length === 0;
  }

  get #subscription(): string {
    return this.#options.subscription ?? "main";
  }

  /** Starts polling. */
  start(): void {
    this.#ctx.setTimer(0, "poll");
  }

  /** Queues a delivery for processing. */
  onMessage(_from: NodeId, message: QueueMessage): void {
    if (message.type !== "Deliver") return;
    this.#options.observer?.delivered(message.item.id, this.#ctx.id);
    this.#inbox.push({ entry: message.entry, item: message.item });
    this.#startNext();
  }

  /** Polls, or finishes the current message. */
  onTimer(timer: ConsumerTimer): void {
    if (timer === "poll") {
      if (this.#current === undefined && this.#inbox.length === 0) {
        this.#ctx.send(this.#options.broker, { type: "Receive", subscription: this.#subscription });
      }
      this.#ctx.setTimer(this.#options.pollMs, "poll");
      return;
    }
    const delivery = this.#current;
    if (delivery === undefined) return;
    this.#current = undefined;
    const early = this.#options.ackBeforeProcessing === true;
    try {
      const { changed } = this.#options.database.transaction((tx) =>
        (this.#options.handler ?? creditPayment)(delivery.item, tx)
      );
      this.#options.observer?.committed(delivery.item.id, changed);
      if (!early) this.#ack(delivery);
    } catch (error) {
      // A failed transaction is rolled back and not acknowledged: the broker redelivers.
      this.#ctx.log(`processing ${delivery.item.id} failed: ${String(error)}`);
    }
    this.#startNext();
  }

  #startNext(): void {
    if (this.#current !== undefined) return;
    const delivery = this.#inbox.shift();
    if (delivery === undefined) return;
    this.#current = delivery;
    if (this.#options.ackBeforeProcessing === true) {
      this.#options.observer?.ackedEarly(delivery.item.id, this.#ctx.id, this);
      this.#ack(delivery);
    }
    const [min, max] = this.#options.processingMs;
    this.#ctx.setTimer(this.#ctx.random.uniform(min, max), "done");
  }

  #ack(delivery: Delivery): void {
    if (this.#options.semantics === "at-most-once") return;
    this.#ctx.send(this.#options.broker, {
      type: "Ack",
      subscription: this.#subscription,
      entry: delivery.entry,
    });
  }
}
