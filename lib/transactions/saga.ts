/**
 * A saga orchestrator (Garcia-Molina and Salem, 1987): a long business transaction split
 * into local transactions at several services, each with a compensating transaction that
 * semantically undoes it. The order saga charges the customer (payments), reserves the
 * stock (inventory) and books the shipment (shipping); if a step is refused, the steps
 * already done are compensated in reverse order (release the stock, refund the charge).
 *
 * The orchestrator keeps each saga's state (which steps are done, whether it is going
 * forward or compensating) in durable storage and writes it before it sends the next
 * command, so a restarted orchestrator resumes every unfinished saga. It retries each
 * command until the service answers, with an idempotency key per saga and step, so a
 * retry of a step that was done is answered from the service's record instead of being
 * done again. A saga gives no isolation: between its steps, other readers see its
 * intermediate state (a customer debited for an order that is later refunded).
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { OutboxEntry } from "./outbox.ts";

/** An order: what the saga buys, for whom, at what price. */
export interface Order {
  /** The order's id ("o7"), unique. */
  readonly orderId: string;
  /** The customer's account at the payments service. */
  readonly customer: string;
  /** The item, at the inventory service. */
  readonly item: string;
  /** How many. */
  readonly quantity: number;
  /** What it costs, charged to the customer. */
  readonly amount: number;
}

/**
 * A forward step of the order saga. `confirm` exists only with a semantic lock: it turns
 * the customer's pending charge into a settled one once the order has shipped.
 */
export type SagaStep = "charge" | "reserve" | "ship" | "confirm";

/** A command the orchestrator sends: a forward step or a compensation. */
export type SagaAction = SagaStep | "refund" | "release";

/** The forward steps, in order. */
export const SAGA_STEPS: readonly SagaStep[] = ["charge", "reserve", "ship"];

/**
 * The forward steps with a semantic lock: the charge is pending (readers can tell) until
 * `confirm`, after shipping, settles it. Nothing can be refused after shipping, so the
 * confirmation needs no compensation.
 */
export const SAGA_STEPS_WITH_LOCK: readonly SagaStep[] = ["charge", "reserve", "ship", "confirm"];

/**
 * The compensation of each step that has one. The last step (shipping) needs none: once
 * it is done the saga has completed, and nothing after it can fail.
 */
export const COMPENSATION: Readonly<Partial<Record<SagaStep, SagaAction>>> = {
  charge: "refund",
  reserve: "release",
};

/** The message type of each action (also the colour of its arrows in a space-time diagram). */
export const ACTION_TYPES = {
  charge: "Charge",
  reserve: "Reserve",
  ship: "Ship",
  confirm: "Confirm",
  refund: "Refund",
  release: "Release",
} as const satisfies Record<SagaAction, string>;

/** A command to a service. */
export interface SagaCommand {
  /** The action, capitalised ("Charge", "Refund", ...). */
  readonly type: (typeof ACTION_TYPES)[SagaAction];
  /** The order the saga is for (the services read what they need from it). */
  readonly order: Order;
  /** The idempotency key, the same for every attempt of this step of this saga; absent: none. */
  readonly key?: string;
}

/** Every message of the order system. */
export type SagaMessage =
  | { readonly type: "PlaceOrder"; readonly order: Order }
  | { readonly type: "OrderAccepted"; readonly orderId: string }
  | SagaCommand
  | {
    readonly type: "Reply";
    readonly orderId: string;
    readonly action: SagaAction;
    readonly ok: boolean;
    /** Why a step was refused ("out of stock"). */
    readonly reason?: string;
  }
  | ({ readonly type: "Event" } & OutboxEntry)
  | { readonly type: "EventAck"; readonly id: string }
  | { readonly type: "ReadStatement" }
  | {
    readonly type: "Statement";
    /** Orders the customers are debited for. */
    readonly debited: readonly string[];
    /** Orders whose charge is pending (a semantic lock: the saga has not completed). */
    readonly pending: readonly string[];
  };

/** Where a saga is. */
export type SagaPhase = "forward" | "compensating" | "completed" | "compensated";

/** A saga's state, as the orchestrator stores it. */
export interface SagaRecord {
  /** The order. */
  readonly order: Order;
  /** Where it is. */
  readonly phase: SagaPhase;
  /** The forward steps done, in order (popped as they are compensated). */
  readonly done: readonly SagaStep[];
  /** The step that was refused, once one was. */
  readonly refusedStep?: SagaStep;
  /** Why it was refused. */
  readonly reason?: string;
  /** The forward steps of this saga. Default {@link SAGA_STEPS}. */
  readonly steps?: readonly SagaStep[];
}

/** Whether a saga has ended (completed or compensated). */
export function sagaEnded(record: SagaRecord): boolean {
  return record.phase === "completed" || record.phase === "compensated";
}

/** The action a saga waits for next, or undefined once it has ended. */
export function nextAction(record: SagaRecord): SagaAction | undefined {
  if (record.phase === "forward") return (record.steps ?? SAGA_STEPS)[record.done.length];
  if (record.phase === "compensating") {
    // Compensate the most recent step that has a compensation; steps without one are skipped.
    for (let i = record.done.length - 1; i >= 0; i--) {
      const compensation = COMPENSATION[record.done[i]!];
      if (compensation !== undefined) return compensation;
    }
  }
  return undefined;
}

/**
 * The saga after `action` was answered: a done step moves it forward (or completes it), a
 * refused step turns it around, a compensation pops its step (and when none is left the
 * saga is compensated). Pure: the orchestrator stores what it returns.
 *
 * @example
 * ```ts
 * import { advanceSaga } from "./saga.ts";
 *
 * const order = { orderId: "o1", customer: "c1", item: "i1", quantity: 1, amount: 30 };
 * let saga = advanceSaga({ order, phase: "forward", done: [] }, "charge", true);
 * saga = advanceSaga(saga, "reserve", false, "out of stock");
 * saga.phase; // "compensating": the charge must be refunded
 * saga = advanceSaga(saga, "refund", true);
 * saga.phase; // "compensated"
 * ```
 */
export function advanceSaga(
  record: SagaRecord,
  action: SagaAction,
  ok: boolean,
  reason?: string,
): SagaRecord {
  if (nextAction(record) !== action) {
    throw new RangeError(
      `Cannot advance saga ${record.order.orderId}: it waits for ${
        nextAction(record) ?? "nothing"
      }, not ${action}`,
    );
  }
  if (record.phase === "forward") {
    const step = action as SagaStep;
    if (!ok) {
      const turned: SagaRecord = {
        ...record,
        phase: "compensating",
        refusedStep: step,
        ...(reason === undefined ? {} : { reason }),
      };
      return nextAction(turned) === undefined ? { ...turned, phase: "compensated" } : turned;
    }
    const done = [...record.done, step];
    return {
      ...record,
      done,
      phase: done.length === (record.steps ?? SAGA_STEPS).length ? "completed" : "forward",
    };
  }
  // A compensation cannot be refused: it must succeed, however often it is retried.
  const undone = record.done.findLastIndex((step) => COMPENSATION[step] === action);
  const done = record.done.filter((_, i) => i !== undone);
  const popped: SagaRecord = { ...record, done };
  return nextAction(popped) === undefined ? { ...popped, phase: "compensated" } : popped;
}

/** The service that runs each action. */
export const SERVICE_OF: Readonly<Record<SagaAction, NodeId>> = {
  charge: "payments",
  refund: "payments",
  reserve: "inventory",
  release: "inventory",
  ship: "shipping",
  confirm: "payments",
};

/** Options of a {@link SagaOrchestrator}. */
export interface SagaOrchestratorOptions {
  /** How long to wait for a service's answer before sending the command again, in ms. */
  readonly retryMs: number;
  /** Keep saga state in durable storage (true) or only in memory (a broken variant). */
  readonly durableState: boolean;
  /** Send an idempotency key with every command (false: a broken variant). */
  readonly idempotencyKeys: boolean;
  /** The forward steps of every saga. Default {@link SAGA_STEPS}. */
  readonly steps?: readonly SagaStep[];
}

/** The orchestrator's timer: resend the command a saga waits for, if it still waits. */
export interface SagaTimer {
  /** The saga's order id. */
  readonly orderId: string;
  /** The action it waited for when the timer was set. */
  readonly action: SagaAction;
}

const SAGA_KEY = "saga:";

/**
 * The saga orchestrator. Accepts orders, runs one saga per order, and writes each saga's
 * state before acting on it; on restart it reloads every saga and resumes the unfinished
 * ones by resending the command each waits for (with the same idempotency key).
 */
export class SagaOrchestrator implements Node<SagaMessage, SagaTimer> {
  readonly #ctx: NodeContext<SagaMessage, SagaTimer>;
  readonly #options: SagaOrchestratorOptions;
  /** Where sagas live when state is kept in memory only (lost with the node on a crash). */
  readonly #memory = new Map<string, SagaRecord>();

  /** An orchestrator acting through `ctx`. */
  constructor(ctx: NodeContext<SagaMessage, SagaTimer>, options: SagaOrchestratorOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Every saga this orchestrator knows, in the order it accepted them. */
  sagas(): SagaRecord[] {
    if (!this.#options.durableState) return [...this.#memory.values()];
    return readSagas(this.#ctx.storage);
  }

  /** Resumes every unfinished saga (after a restart; at first start there are none). */
  start(): void {
    for (const record of this.sagas()) {
      if (!sagaEnded(record)) this.#act(record);
    }
  }

  /** Accepts orders and advances sagas on their services' answers. */
  onMessage(from: NodeId, message: SagaMessage): void {
    if (message.type === "PlaceOrder") {
      const id = message.order.orderId;
      if (this.#load(id) === undefined) {
        const record: SagaRecord = {
          order: message.order,
          phase: "forward",
          done: [],
          ...(this.#options.steps === undefined ? {} : { steps: this.#options.steps }),
        };
        // Written before the order is acknowledged: an accepted order is never forgotten.
        this.#store(record);
        this.#ctx.log(`saga ${id} starts`, { orderId: id });
        this.#act(record);
      }
      this.#ctx.send(from, { type: "OrderAccepted", orderId: id });
      return;
    }
    if (message.type !== "Reply") return;
    const record = this.#load(message.orderId);
    // A late or duplicated answer to a command already dealt with.
    if (record === undefined || nextAction(record) !== message.action) return;
    const next = advanceSaga(record, message.action, message.ok, message.reason);
    this.#store(next);
    if (next.phase !== record.phase) {
      this.#ctx.log(`saga ${message.orderId} ${next.phase}`, { orderId: message.orderId });
    }
    if (!sagaEnded(next)) this.#act(next);
  }

  /** Resends the command a saga still waits for. */
  onTimer(timer: SagaTimer): void {
    const record = this.#load(timer.orderId);
    if (record !== undefined && nextAction(record) === timer.action) this.#act(record);
  }

  #act(record: SagaRecord): void {
    const action = nextAction(record);
    if (action === undefined) return;
    const id = record.order.orderId;
    // One key per saga and action, the same for every attempt: the service does it once.
    const key = this.#options.idempotencyKeys ? `${id}:${action}` : undefined;
    this.#ctx.send(SERVICE_OF[action], {
      type: ACTION_TYPES[action],
      order: record.order,
      ...(key === undefined ? {} : { key }),
    });
    this.#ctx.setTimer(this.#options.retryMs, { orderId: id, action });
  }

  #load(orderId: string): SagaRecord | undefined {
    return this.#options.durableState
      ? this.#ctx.storage.get<SagaRecord>(SAGA_KEY + orderId)
      : this.#memory.get(orderId);
  }

  #store(record: SagaRecord): void {
    if (this.#options.durableState) this.#ctx.storage.set(SAGA_KEY + record.order.orderId, record);
    else this.#memory.set(record.order.orderId, record);
  }
}

/** The sagas an orchestrator stored durably (what a restarted one recovers). */
export function readSagas(
  storage: { keys(): string[]; get<V>(key: string): V | undefined },
): SagaRecord[] {
  return storage.keys().filter((key) => key.startsWith(SAGA_KEY))
    .map((key) => storage.get<SagaRecord>(key)!);
}
