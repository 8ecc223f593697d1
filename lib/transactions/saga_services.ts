/**
 * The services an order saga calls, each a node with its own durable storage: payments
 * (customer accounts, and the outbox that tells the merchant's bank), inventory (stock),
 * shipping (which refuses some orders), and the merchant's bank (the outbox's consumer).
 * Each forward step and each compensation is one local transaction: one handler, whose
 * storage writes land together.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Inbox, Outbox, type OutboxEntry, runOnce } from "./outbox.ts";
import type { Order, SagaAction, SagaCommand, SagaMessage } from "./saga.ts";

/** How many times the payments service has charged and refunded one order. */
export interface ChargeCount {
  /** Charges applied for the order. */
  readonly charges: number;
  /** Refunds applied for the order. */
  readonly refunds: number;
}

/** What a refund rule can see and do, for one refund request. */
export interface RefundBook {
  /** The order being refunded. */
  readonly order: Order;
  /** The request's idempotency key (undefined when the orchestrator sends none). */
  readonly key: string | undefined;
  /** How many times this order has been charged. */
  readonly charges: number;
  /** How many times it has been refunded. */
  readonly refunds: number;
  /** Whether a request with `key` was already done (always false for no key). */
  done(key: string | undefined): boolean;
  /** Records `key` as done (nothing for no key). */
  markDone(key: string | undefined): void;
  /**
   * Credits the customer the order's amount and, in the same local transaction, queues
   * the merchant's debit (message id `refund:<orderId>`).
   */
  refund(): void;
}

/**
 * The payments service's compensation: what to do with a refund request. It may arrive
 * more than once (the orchestrator retries, the network duplicates), and it must leave
 * the customer refunded exactly once.
 */
export type RefundRule = (book: RefundBook) => void;

/**
 * The idempotent refund: a request whose key was done is answered without refunding
 * again.
 *
 * @example
 * ```ts
 * import { type RefundBook, refundOncePerKey } from "./saga_services.ts";
 *
 * const keys = new Set<string>();
 * let credited = 0;
 * const book: RefundBook = {
 *   order: { orderId: "o1", customer: "c1", item: "i1", quantity: 1, amount: 30 },
 *   key: "o1:refund",
 *   charges: 1,
 *   refunds: 0,
 *   done: (key) => key !== undefined && keys.has(key),
 *   markDone: (key) => void (key !== undefined && keys.add(key)),
 *   refund: () => void (credited += 30),
 * };
 * refundOncePerKey(book);
 * refundOncePerKey(book); // a duplicate of the same request
 * credited; // 30
 * ```
 */
export const refundOncePerKey: RefundRule = (book: RefundBook): void => {
  if (book.done(book.key)) return;
  book.refund();
  book.markDone(book.key);
};

/** The broken refund: every request refunds again (a duplicate pays the customer twice). */
export const refundEveryTime: RefundRule = (book: RefundBook): void => book.refund();

/** Options of a {@link PaymentsService}. */
export interface PaymentsOptions {
  /** Every customer's balance at the start. */
  readonly balances: Readonly<Record<string, number>>;
  /** The node that keeps the merchant's account (the outbox's consumer). */
  readonly bank: NodeId;
  /** How often the relay sends what is in the outbox, in ms. */
  readonly relayEveryMs: number;
  /**
   * Write the merchant's message in the same local transaction as the change (true: the
   * outbox) or publish it afterwards from memory (false: the dual write, a broken variant).
   */
  readonly outbox: boolean;
  /** With the dual write, how long after the commit the message is published, in ms. */
  readonly publishDelayMs: number;
  /** What to do with a refund request. */
  readonly refundRule: RefundRule;
  /**
   * Keep each charge pending until the saga confirms it (a semantic lock), and show it
   * as pending, not debited, in statements. Default false.
   */
  readonly semanticLock?: boolean;
}

/** The payments service's timers. */
export type PaymentsTimer = "relay";

/** A message published by the dual write: held in memory until acknowledged. */
interface VolatileMessage {
  readonly entry: OutboxEntry;
  readonly publishAtMs: number;
}

/**
 * Customer accounts. A charge debits the customer and, in the same handler, adds a
 * message to the outbox that credits the merchant; a refund credits the customer and
 * queues the merchant's debit. A relay sends the outbox's messages every `relayEveryMs`
 * until the bank acknowledges them. Also answers statements: the orders a customer is
 * currently debited for (what a concurrent reader sees).
 */
export class PaymentsService implements Node<SagaMessage, PaymentsTimer> {
  readonly #ctx: NodeContext<SagaMessage, PaymentsTimer>;
  readonly #options: PaymentsOptions;
  readonly #outbox: Outbox;
  /** The dual write's messages: in memory, lost on a crash. */
  readonly #volatile: VolatileMessage[] = [];

  /** A payments service acting through `ctx`. */
  constructor(ctx: NodeContext<SagaMessage, PaymentsTimer>, options: PaymentsOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#outbox = new Outbox(ctx.storage);
    if (!ctx.storage.has("balances")) ctx.storage.set("balances", { ...options.balances });
  }

  /** The messages the dual write holds in memory, not yet acknowledged. */
  get volatileMessages(): readonly OutboxEntry[] {
    return this.#volatile.map((m) => m.entry);
  }

  /** Starts the relay (again, after a restart: the outbox survived). */
  start(): void {
    this.#ctx.setTimer(this.#options.relayEveryMs, "relay");
  }

  /** Sends every pending message (at least once: until acknowledged). */
  onTimer(): void {
    const now = this.#ctx.now();
    for (const entry of this.#outbox.pending()) this.#publish(entry);
    for (const m of this.#volatile) if (m.publishAtMs <= now) this.#publish(m.entry);
    this.#ctx.setTimer(this.#options.relayEveryMs, "relay");
  }

  /** Charges, refunds, statements, and acknowledgements from the bank. */
  onMessage(from: NodeId, message: SagaMessage): void {
    switch (message.type) {
      case "Charge":
        return this.#charge(from, message);
      case "Refund":
        return this.#refund(from, message);
      case "Confirm": {
        const storage = this.#ctx.storage;
        runOnce(storage, message.key, () => {
          const confirmed = storage.get<Record<string, boolean>>("confirmed") ?? {};
          confirmed[message.order.orderId] = true;
          storage.set("confirmed", confirmed);
          return { ok: true };
        });
        this.#reply(from, message.order, "confirm", { ok: true });
        return;
      }
      case "EventAck": {
        this.#outbox.remove(message.id);
        const i = this.#volatile.findIndex((m) => m.entry.id === message.id);
        if (i >= 0) this.#volatile.splice(i, 1);
        return;
      }
      case "ReadStatement": {
        const counts = readCharges(this.#ctx.storage);
        const charged = Object.keys(counts).filter((id) =>
          counts[id]!.charges > counts[id]!.refunds
        );
        const confirmed = this.#ctx.storage.get<Record<string, boolean>>("confirmed") ?? {};
        const settled = (id: string) => !this.#options.semanticLock || confirmed[id] === true;
        this.#ctx.send(from, {
          type: "Statement",
          debited: charged.filter(settled),
          pending: charged.filter((id) => !settled(id)),
        });
        return;
      }
      default:
        return;
    }
  }

  #charge(from: NodeId, command: SagaCommand): void {
    const order = command.order;
    const result = runOnce(this.#ctx.storage, command.key, () => {
      const balances = this.#balances();
      if ((balances[order.customer] ?? 0) < order.amount) {
        return { ok: false, reason: "insufficient funds" };
      }
      this.#move(order, -1, { id: `charge:${order.orderId}`, merchantDelta: order.amount });
      return { ok: true };
    });
    this.#reply(from, order, "charge", result);
  }

  #refund(from: NodeId, command: SagaCommand): void {
    const order = command.order;
    const storage = this.#ctx.storage;
    const count = readCharges(storage)[order.orderId] ?? { charges: 0, refunds: 0 };
    const book: RefundBook = {
      order,
      key: command.key,
      charges: count.charges,
      refunds: count.refunds,
      done: (key) => key !== undefined && storage.has(`done:${key}`),
      markDone: (key) => {
        if (key !== undefined) storage.set(`done:${key}`, { result: { ok: true } });
      },
      refund: () =>
        this.#move(order, +1, { id: `refund:${order.orderId}`, merchantDelta: -order.amount }),
    };
    this.#options.refundRule(book);
    // A compensation is never refused: the orchestrator retries it until it is answered.
    this.#reply(from, order, "refund", { ok: true });
  }

  /** Moves the order's amount into (+1) or out of (−1) the customer's account, with its message. */
  #move(order: Order, sign: 1 | -1, message: Omit<OutboxEntry, "orderId">): void {
    const balances = this.#balances();
    balances[order.customer] = (balances[order.customer] ?? 0) + sign * order.amount;
    this.#ctx.storage.set("balances", balances);
    const counts = readCharges(this.#ctx.storage);
    const count = counts[order.orderId] ?? { charges: 0, refunds: 0 };
    counts[order.orderId] = sign < 0
      ? { ...count, charges: count.charges + 1 }
      : { ...count, refunds: count.refunds + 1 };
    this.#ctx.storage.set("charges", counts);
    const entry: OutboxEntry = { ...message, orderId: order.orderId };
    if (this.#options.outbox) {
      // The same local transaction as the balance: both land, or (crash before) neither.
      this.#outbox.add(entry);
    } else {
      // The dual write: the change is committed; the message waits in memory to be published.
      this.#volatile.push({ entry, publishAtMs: this.#ctx.now() + this.#options.publishDelayMs });
    }
  }

  #publish(entry: OutboxEntry): void {
    this.#ctx.send(this.#options.bank, { type: "Event", ...entry });
  }

  #balances(): Record<string, number> {
    return this.#ctx.storage.get<Record<string, number>>("balances") ?? {};
  }

  #reply(to: NodeId, order: Order, action: SagaAction, result: { ok: boolean; reason?: string }) {
    this.#ctx.send(to, {
      type: "Reply",
      orderId: order.orderId,
      action,
      ok: result.ok,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    });
  }
}

/** The payments service's charge and refund counts per order, from its storage. */
export function readCharges(
  storage: { get<V>(key: string): V | undefined },
): Record<string, ChargeCount> {
  return storage.get<Record<string, ChargeCount>>("charges") ?? {};
}

/** Options of an {@link InventoryService}. */
export interface InventoryOptions {
  /** Stock of each item at the start. */
  readonly stock: Readonly<Record<string, number>>;
}

/** How many times inventory reserved and released one order's stock. */
export interface ReserveCount {
  /** Reservations applied. */
  readonly reserved: number;
  /** Releases applied. */
  readonly released: number;
}

/** Stock. A reservation takes the order's quantity, or is refused when too few are left. */
export class InventoryService implements Node<SagaMessage> {
  readonly #ctx: NodeContext<SagaMessage>;

  /** An inventory acting through `ctx`. */
  constructor(ctx: NodeContext<SagaMessage>, options: InventoryOptions) {
    this.#ctx = ctx;
    if (!ctx.storage.has("stock")) ctx.storage.set("stock", { ...options.stock });
  }

  /** Reserves and releases, once per idempotency key. */
  onMessage(from: NodeId, message: SagaMessage): void {
    if (message.type !== "Reserve" && message.type !== "Release") return;
    const order = message.order;
    const storage = this.#ctx.storage;
    const reserve = message.type === "Reserve";
    const result = runOnce(storage, message.key, () => {
      const stock = storage.get<Record<string, number>>("stock") ?? {};
      if (reserve && (stock[order.item] ?? 0) < order.quantity) {
        return { ok: false, reason: "out of stock" };
      }
      stock[order.item] = (stock[order.item] ?? 0) + (reserve ? -1 : 1) * order.quantity;
      storage.set("stock", stock);
      const counts = readReservations(storage);
      const count = counts[order.orderId] ?? { reserved: 0, released: 0 };
      counts[order.orderId] = reserve
        ? { ...count, reserved: count.reserved + 1 }
        : { ...count, released: count.released + 1 };
      storage.set("reservations", counts);
      return { ok: true };
    });
    this.#ctx.send(from, {
      type: "Reply",
      orderId: order.orderId,
      action: reserve ? "reserve" : "release",
      ok: result.ok,
      ...("reason" in result ? { reason: result.reason } : {}),
    });
  }
}

/** Inventory's reservation counts per order, from its storage. */
export function readReservations(
  storage: { get<V>(key: string): V | undefined },
): Record<string, ReserveCount> {
  return storage.get<Record<string, ReserveCount>>("reservations") ?? {};
}

/** Options of a {@link ShippingService}. */
export interface ShippingOptions {
  /** Chance that shipping refuses an order (an address it cannot deliver to). */
  readonly refusalProbability: number;
}

/** Books shipments; refuses some orders (decided once per key, so a retry gets the same answer). */
export class ShippingService implements Node<SagaMessage> {
  readonly #ctx: NodeContext<SagaMessage>;
  readonly #options: ShippingOptions;

  /** A shipping service acting through `ctx`. */
  constructor(ctx: NodeContext<SagaMessage>, options: ShippingOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Books a shipment, once per idempotency key. */
  onMessage(from: NodeId, message: SagaMessage): void {
    if (message.type !== "Ship") return;
    const order = message.order;
    const storage = this.#ctx.storage;
    const result = runOnce(storage, message.key, () => {
      if (this.#ctx.random.chance(this.#options.refusalProbability)) {
        return { ok: false, reason: "undeliverable address" };
      }
      const shipped = storage.get<Record<string, number>>("shipped") ?? {};
      shipped[order.orderId] = (shipped[order.orderId] ?? 0) + 1;
      storage.set("shipped", shipped);
      return { ok: true };
    });
    this.#ctx.send(from, {
      type: "Reply",
      orderId: order.orderId,
      action: "ship",
      ok: result.ok,
      ...("reason" in result ? { reason: result.reason } : {}),
    });
  }
}

/** Options of a {@link MerchantBank}. */
export interface MerchantBankOptions {
  /** Apply each message once, by id (false: a broken consumer that applies every copy). */
  readonly dedupe: boolean;
}

/**
 * The merchant's account: the consumer of the payments outbox. Applies each message once
 * (its {@link Inbox} remembers ids) and acknowledges every copy, so the relay stops
 * resending it.
 */
export class MerchantBank implements Node<SagaMessage> {
  readonly #ctx: NodeContext<SagaMessage>;
  readonly #inbox: Inbox;
  readonly #options: MerchantBankOptions;

  /** A bank acting through `ctx`. */
  constructor(ctx: NodeContext<SagaMessage>, options: MerchantBankOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#inbox = new Inbox(ctx.storage);
  }

  /** Applies a message (once) and acknowledges it. */
  onMessage(from: NodeId, message: SagaMessage): void {
    if (message.type !== "Event") return;
    const storage = this.#ctx.storage;
    // Counted for the experiment's rows: copies received against effects applied.
    storage.set("copies", (storage.get<number>("copies") ?? 0) + 1);
    this.#inbox.applyOnce(message.id, () => {
      storage.set("merchant", (storage.get<number>("merchant") ?? 0) + message.merchantDelta);
      storage.set("applied", (storage.get<number>("applied") ?? 0) + 1);
    }, this.#options.dedupe);
    this.#ctx.send(from, { type: "EventAck", id: message.id });
  }
}
