/**
 * The order saga under faults, as a trial: a shop places orders, the orchestrator runs a
 * saga per order over payments, inventory and shipping, payments tells the merchant's
 * bank through its outbox, and an auditor keeps reading customers' statements. The
 * nemesis crashes, pauses and isolates the services; the network loses and duplicates
 * messages.
 *
 * Invariants, checked during the run: the money is conserved (customers' balances, the
 * merchant's, and the messages in flight add up to what there was at the start) and no
 * order is charged twice. Once the faults heal, every saga must end completed or
 * compensated, and its effects must match its end: a completed order charged once,
 * reserved once and shipped; a compensated one charged and reserved net zero times.
 *
 * The `saga-money` experiment is the same runs with no invariant stopping them, one row
 * per seed. Its `variant` parameter removes one rule at a time.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, probability } from "../config/mod.ts";
import { networkFromParams, networkParams } from "../sim/network_params.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  defineTrial,
  invariant,
  nemesisFromParams,
  nemesisParams,
  type Trial,
} from "../testing/mod.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import type { OutboxEntry } from "./outbox.ts";
import {
  type Order,
  readSagas,
  SAGA_STEPS_WITH_LOCK,
  type SagaMessage,
  SagaOrchestrator,
  type SagaRecord,
  type SagaTimer,
} from "./saga.ts";
import {
  InventoryService,
  MerchantBank,
  PaymentsService,
  type PaymentsTimer,
  readCharges,
  readReservations,
  refundEveryTime,
  refundOncePerKey,
  type RefundRule,
  ShippingService,
} from "./saga_services.ts";

/** The variants of the saga system: the correct one, and one broken rule each. */
export const SAGA_VARIANTS = [
  "correct",
  "non-idempotent-compensation",
  "saga-state-in-memory",
  "no-idempotency-key",
  "dual-write",
  "no-consumer-dedup",
] as const;

/** A variant of the saga system. */
export type SagaVariant = (typeof SAGA_VARIANTS)[number];

/** Zod schema of the `saga-money` parameters. */
export const SagaParamsSchema = z.strictObject({
  variant: z.enum(SAGA_VARIANTS).default("correct")
    .describe(
      "correct, or the rule removed: non-idempotent-compensation, saga-state-in-memory, " +
        "no-idempotency-key, dual-write (publish outside the local transaction), no-consumer-dedup",
    ),
  semanticLock: z.boolean().default(false)
    .describe("Charges stay pending (and statements say so) until the saga confirms them"),
  orders: integerAtLeast(0).default(20).describe("Orders the shop places"),
  customers: integerAtLeast(1).default(4).describe("Customer accounts"),
  balance: integerAtLeast(0).default(100).describe("Each customer's balance at the start"),
  items: integerAtLeast(1).default(3).describe("Kinds of item"),
  stock: integerAtLeast(0).default(8).describe("Stock of each item at the start"),
  shippingRefusalProbability: probability().default(0.2)
    .describe("Chance that shipping refuses an order"),
  retryMs: positiveMs().default(40).describe(
    "The orchestrator resends a command unanswered this long, in ms",
  ),
  relayEveryMs: positiveMs().default(20).describe(
    "The outbox relay sends pending messages this often, in ms",
  ),
  publishDelayMs: positiveMs().default(10)
    .describe("With the dual write, ms between the commit and the message's publication"),
  auditEveryMs: positiveMs().default(15).describe(
    "The auditor reads customers' statements this often, in ms",
  ),
  settleMs: positiveMs().default(3_000)
    .describe("After the faults heal, every saga must end within this, in ms"),
  ...networkParams({
    latency: { kind: "uniform", minMs: 1, maxMs: 10 },
    lossProbability: 0.05,
    duplicateProbability: 0.05,
  }),
  ...nemesisParams({
    faultsPerSecond: 4,
    meanFaultDurationMs: 100,
    faultsUntilMs: 2_000,
    faultKinds: ["crash", "pause", "isolate"],
    concurrentNodeFaults: 1,
  }),
});

/** The `saga-money` parameters, with defaults applied. */
export type SagaParams = z.output<typeof SagaParamsSchema>;

/** The services the nemesis may hurt (the shop and the auditor stand outside). */
export const SAGA_SERVICES: readonly NodeId[] = [
  "orders",
  "payments",
  "inventory",
  "shipping",
  "bank",
];

/** Options of {@link buildSaga} that are not parameters. */
export interface BuildSagaOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** The replay line. */
  readonly replay?: string;
  /** The payments service's refund rule (an exercise's answer). Default: the variant's. */
  readonly refundRule?: RefundRule;
}

/** What one run of the saga system is. */
export interface SagaSystem {
  /** The simulation. */
  readonly simulation: Simulation<SagaMessage>;
  /** The parameters. */
  readonly params: SagaParams;
  /** The orders the shop will place, in time order. */
  readonly orders: readonly (Order & { readonly atMs: number })[];
  /** All the money at the start (customers' balances; the merchant starts at 0). */
  readonly totalMoney: number;
  /** The shop. */
  readonly shop: () => Shop;
  /** The auditor. */
  readonly auditor: () => Auditor;
}

/** The shop's timer: place order number `index` (again, until accepted). */
export type ShopTimer = number;

/** Places each order at its time and resends it until the orchestrator accepts it. */
export class Shop implements Node<SagaMessage, ShopTimer> {
  readonly #ctx: NodeContext<SagaMessage, ShopTimer>;
  readonly #orders: readonly (Order & { readonly atMs: number })[];
  readonly #retryMs: number;
  /** The ids of the orders the orchestrator has accepted. */
  readonly accepted = new Set<string>();

  /** A shop placing `orders`. */
  constructor(
    ctx: NodeContext<SagaMessage, ShopTimer>,
    orders: readonly (Order & { readonly atMs: number })[],
    retryMs: number,
  ) {
    this.#ctx = ctx;
    this.#orders = orders;
    this.#retryMs = retryMs;
  }

  /** Schedules every order. */
  start(): void {
    this.#orders.forEach((order, i) => this.#ctx.setTimer(order.atMs, i));
  }

  /** Notes an acceptance. */
  onMessage(_from: NodeId, message: SagaMessage): void {
    if (message.type === "OrderAccepted") this.accepted.add(message.orderId);
  }

  /** Places (or places again) an order. */
  onTimer(index: ShopTimer): void {
    const { atMs: _, ...order } = this.#orders[index]!;
    if (this.accepted.has(order.orderId)) return;
    this.#ctx.send("orders", { type: "PlaceOrder", order });
    this.#ctx.setTimer(this.#retryMs, index);
  }
}

/** One statement the auditor read: when, and the orders the customers were debited for. */
export interface StatementRead {
  /** When the statement arrived, in ms. */
  readonly atMs: number;
  /** Orders the customers were debited for at that moment. */
  readonly debited: readonly string[];
  /** Orders whose charge was pending (with a semantic lock). */
  readonly pending: readonly string[];
}

/** A concurrent reader: reads the customers' statements every `everyMs`. */
export class Auditor implements Node<SagaMessage, "read"> {
  readonly #ctx: NodeContext<SagaMessage, "read">;
  readonly #everyMs: number;
  /** Every statement read. */
  readonly reads: StatementRead[] = [];

  /** An auditor reading every `everyMs`. */
  constructor(ctx: NodeContext<SagaMessage, "read">, everyMs: number) {
    this.#ctx = ctx;
    this.#everyMs = everyMs;
  }

  /** Starts reading. */
  start(): void {
    this.#ctx.setTimer(this.#everyMs, "read");
  }

  /** Keeps a statement. */
  onMessage(_from: NodeId, message: SagaMessage): void {
    if (message.type === "Statement") {
      this.reads.push({
        atMs: this.#ctx.now(),
        debited: message.debited,
        pending: message.pending,
      });
    }
  }

  /** Asks for a statement. */
  onTimer(): void {
    this.#ctx.send("payments", { type: "ReadStatement" });
    this.#ctx.setTimer(this.#everyMs, "read");
  }
}

/** The orders a shop places: random customers, items, quantities and amounts, spread in time. */
export function planOrders(params: SagaParams, random: Random): (Order & { atMs: number })[] {
  const spanMs = Math.max(1, params.faultsUntilMs * 0.9);
  return Array.from({ length: params.orders }, (_, i) => ({
    orderId: `o${i + 1}`,
    customer: `c${random.int(1, params.customers + 1)}`,
    item: `i${random.int(1, params.items + 1)}`,
    quantity: random.int(1, 4),
    amount: random.int(2, 9) * 5,
    atMs: Math.round(random.uniform(1, spanMs)),
  })).sort((a, b) => a.atMs - b.atMs);
}

/**
 * Builds the saga system for one seed: the shop, the auditor, the orchestrator, and the
 * four services, each built for `params.variant`.
 */
export function buildSaga(
  params: SagaParams,
  seed: number,
  options: BuildSagaOptions = {},
): SagaSystem {
  const variant = params.variant;
  const simulation = new Simulation<SagaMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: networkFromParams(params),
  });
  const orders = planOrders(params, new Random(seed).child("orders"));
  const balances = Object.fromEntries(
    Array.from({ length: params.customers }, (_, i) => [`c${i + 1}`, params.balance]),
  );
  const stock = Object.fromEntries(
    Array.from({ length: params.items }, (_, i) => [`i${i + 1}`, params.stock]),
  );
  simulation.addNode<SagaTimer>("orders", (ctx) =>
    new SagaOrchestrator(ctx, {
      retryMs: params.retryMs,
      durableState: variant !== "saga-state-in-memory",
      idempotencyKeys: variant !== "no-idempotency-key",
      ...(params.semanticLock ? { steps: SAGA_STEPS_WITH_LOCK } : {}),
    }));
  simulation.addNode<PaymentsTimer>("payments", (ctx) =>
    new PaymentsService(ctx, {
      balances,
      bank: "bank",
      relayEveryMs: params.relayEveryMs,
      outbox: variant !== "dual-write",
      publishDelayMs: params.publishDelayMs,
      semanticLock: params.semanticLock,
      refundRule: options.refundRule ??
        (variant === "non-idempotent-compensation" ? refundEveryTime : refundOncePerKey),
    }));
  simulation.addNode("inventory", (ctx) => new InventoryService(ctx, { stock }));
  simulation.addNode(
    "shipping",
    (ctx) => new ShippingService(ctx, { refusalProbability: params.shippingRefusalProbability }),
  );
  simulation.addNode(
    "bank",
    (ctx) => new MerchantBank(ctx, { dedupe: variant !== "no-consumer-dedup" }),
  );
  simulation.addNode<ShopTimer>("shop", (ctx) => new Shop(ctx, orders, params.retryMs));
  simulation.addNode<"read">("auditor", (ctx) => new Auditor(ctx, params.auditEveryMs));
  return {
    simulation,
    params,
    orders,
    totalMoney: params.customers * params.balance,
    shop: () => simulation.node<Shop>("shop")!,
    auditor: () => simulation.node<Auditor>("auditor")!,
  };
}

/** Where the money is at one moment. */
export interface MoneyCount {
  /** The customers' balances, summed. */
  readonly customers: number;
  /** The merchant's balance. */
  readonly merchant: number;
  /** What the messages not yet applied by the bank will move into the merchant's account. */
  readonly inFlight: number;
  /** customers + merchant + inFlight. */
  readonly total: number;
}

/**
 * Counts the money: balances from the services' storage, plus every distinct message
 * (outbox, or the dual write's memory) that the bank has not applied yet.
 */
export function countMoney(system: SagaSystem): MoneyCount {
  const sim = system.simulation;
  const balances = sim.storage("payments").get<Record<string, number>>("balances") ??
    {};
  const customers = Object.values(balances).reduce((s, b) => s + b, 0);
  const bank = sim.storage("bank");
  const merchant = bank.get<number>("merchant") ?? 0;
  const pending = new Map<string, OutboxEntry>();
  const outbox = sim.storage("payments").get<OutboxEntry[]>("outbox") ?? [];
  const volatile = sim.node<PaymentsService>("payments")?.volatileMessages ?? [];
  for (const entry of [...outbox, ...volatile]) {
    if (!bank.has(`seen:${entry.id}`)) pending.set(entry.id, entry);
  }
  const inFlight = [...pending.values()].reduce((s, e) => s + e.merchantDelta, 0);
  return { customers, merchant, inFlight, total: customers + merchant + inFlight };
}

/** The sagas as the orchestrator holds them now (durable, or its memory for that variant). */
export function sagaRecords(system: SagaSystem): SagaRecord[] {
  if (system.params.variant === "saga-state-in-memory") {
    return system.simulation.node<SagaOrchestrator>("orders")?.sagas() ?? [];
  }
  return readSagas(system.simulation.storage("orders"));
}

/** Orders charged more than once (however many refunds followed). */
export function doubleCharges(system: SagaSystem): string[] {
  const counts = readCharges(system.simulation.storage("payments"));
  return Object.keys(counts).filter((id) => counts[id]!.charges > 1);
}

/**
 * Orders whose saga ended but whose effects do not match its end: what is wrong with each,
 * in words.
 */
export function mismatchedEffects(system: SagaSystem): string[] {
  const sim = system.simulation;
  const charges = readCharges(sim.storage("payments"));
  const reservations = readReservations(sim.storage("inventory"));
  const shipped = sim.storage("shipping").get<Record<string, number>>("shipped") ?? {};
  const confirmed = sim.storage("payments").get<Record<string, boolean>>("confirmed") ?? {};
  const problems: string[] = [];
  for (const saga of sagaRecords(system)) {
    const id = saga.order.orderId;
    const c = charges[id] ?? { charges: 0, refunds: 0 };
    const r = reservations[id] ?? { reserved: 0, released: 0 };
    const paid = c.charges - c.refunds, held = r.reserved - r.released;
    if (saga.phase === "completed" && (paid !== 1 || held !== 1 || (shipped[id] ?? 0) !== 1)) {
      problems.push(
        `${id} completed but is charged ${paid}, reserved ${held}, shipped ${
          shipped[id] ?? 0
        } times`,
      );
    }
    if (saga.phase === "completed" && system.params.semanticLock && confirmed[id] !== true) {
      problems.push(`${id} completed but its charge is still pending`);
    }
    if (saga.phase === "compensated" && (paid !== 0 || held !== 0)) {
      problems.push(`${id} compensated but is still charged ${paid}, reserved ${held} times net`);
    }
  }
  return problems;
}

/**
 * Mid-saga anomalies: orders the auditor saw debited whose saga ended compensated. A saga
 * gives no isolation: the debit was real while the saga ran, and a reader saw it.
 */
export function dirtyReads(
  system: SagaSystem,
): { orders: number; reads: number; pendingOrders: number } {
  const compensated = new Set(
    sagaRecords(system).filter((s) => s.phase === "compensated").map((s) => s.order.orderId),
  );
  const seen = new Set<string>();
  const pending = new Set<string>();
  let reads = 0;
  for (const read of system.auditor().reads) {
    for (const id of read.pending) pending.add(id);
    const dirty = read.debited.filter((id) => compensated.has(id));
    if (dirty.length > 0) reads++;
    for (const id of dirty) seen.add(id);
  }
  return { orders: seen.size, reads, pendingOrders: pending.size };
}

/** Whether every order is accepted, every saga ended and every message delivered. */
export function sagasSettled(system: SagaSystem): boolean {
  if (system.shop().accepted.size < system.orders.length) return false;
  const sagas = sagaRecords(system);
  const accepted = system.shop().accepted;
  const ended = new Set(
    sagas.filter((s) => s.phase === "completed" || s.phase === "compensated")
      .map((s) => s.order.orderId),
  );
  for (const id of accepted) if (!ended.has(id)) return false;
  return countMoney(system).inFlight === 0 &&
    (system.simulation.storage("payments").get<OutboxEntry[]>("outbox") ?? []).length === 0 &&
    (system.simulation.node<PaymentsService>("payments")?.volatileMessages.length ?? 0) === 0;
}

/** One row of `saga-money`: one seed. */
export type SagaRow = {
  /** The variant. */
  readonly variant: SagaVariant;
  /** Orders the shop placed. */
  readonly orders: number;
  /** Sagas that completed. */
  readonly completed: number;
  /** Sagas that were compensated (a step was refused). */
  readonly compensated: number;
  /** Compensated sagas whose charge had gone through and was refunded. */
  readonly refunded: number;
  /** Accepted orders whose saga had not ended when the run stopped. */
  readonly unfinished: number;
  /** Whether the total money matched the start once the run settled. */
  readonly conserved: boolean;
  /** Money created (positive) or destroyed (negative), at the end. */
  readonly moneyDrift: number;
  /** Orders charged more than once. */
  readonly doubleCharged: number;
  /** Ended sagas whose effects do not match their end. */
  readonly mismatched: number;
  /** Compensated orders a concurrent reader saw debited mid-saga. */
  readonly anomaliesMidSaga: number;
  /** Statements that showed such a debit. */
  readonly dirtyStatements: number;
  /** Whether charges stayed pending until confirmed (a semantic lock). */
  readonly semanticLock: boolean;
  /** Orders a reader saw as pending (with a semantic lock; 0 without). */
  readonly pendingSeen: number;
  /** Copies of outbox messages the bank received (at least once: redeliveries count). */
  readonly bankCopies: number;
  /** Messages the bank applied (once each, when it deduplicates). */
  readonly bankApplied: number;
  /** The invariant that failed, or null (experiment rows: always null). */
  readonly failure: string | null;
};

/**
 * How often the invariants and the settle condition are checked, in virtual ms: counting
 * the money reads every service's storage, too slow to do after every event of a sweep.
 */
const CHECK_EVERY_MS = 10;

/**
 * {@link sagasSettled}, checked at most once per `everyMs` of virtual time (the harness asks
 * after every event); false in between, so it holds at most `everyMs` late.
 */
function settledEvery(everyMs: number): (system: SagaSystem) => boolean {
  // Per run: a trial's hooks are shared by every run of it.
  const nextMs = new WeakMap<SagaSystem, number>();
  return (system) => {
    const now = system.simulation.now;
    if (now < (nextMs.get(system) ?? -Infinity)) return false;
    nextMs.set(system, now + everyMs);
    return sagasSettled(system);
  };
}

/** Names of the saga trial's invariants, as failures report them. */
export const SAGA_INVARIANTS = {
  conserved: "money conserved",
  chargedOnce: "no order charged twice",
  settled: "every saga completed or compensated",
  effects: "effects match each saga's end",
} as const;

/**
 * The saga trial, checked: its invariants stop a run at the first violation. `options`
 * replaces the refund rule (for the exercise).
 */
export function sagaTrial(
  options: { refundRule?: RefundRule; name?: string } = {},
): Trial<typeof SagaParamsSchema, SagaSystem, SagaRow> {
  return defineSagaTrial(true, options.refundRule, options.name);
}

/** The saga trial, with every invariant checked during the run. */
export const sagaMoneyTrial: Trial<typeof SagaParamsSchema, SagaSystem, SagaRow> = sagaTrial();

/**
 * The `saga-money` experiment: the same runs, unchecked, each until the faults have healed
 * and `settleMs` more, so each row shows what a broken rule cost.
 */
export const sagaMoney: Experiment<typeof SagaParamsSchema, SagaRow> = trialExperiment(
  defineSagaTrial(false),
  {
    title: "Order sagas under crashes, loss and duplication: money, double charges, dirty reads",
    description: "A shop places orders; an orchestrator runs a saga per order (charge, reserve, " +
      "ship; refund and release to compensate) over services the nemesis crashes, pauses and " +
      "isolates, on a network that loses and duplicates messages. Payments tells the merchant's " +
      "bank through a transactional outbox. One row per seed: completed and compensated sagas, " +
      "whether money was conserved, orders charged twice, and compensated orders a concurrent " +
      "reader saw debited.",
    chapter: "14_sagas",
  },
);

function defineSagaTrial(checked: boolean, refundRule?: RefundRule, name = "saga-money") {
  return defineTrial({
    name,
    params: SagaParamsSchema,
    build: ({ params, seed, record, replay }) =>
      buildSaga(params, seed, {
        record,
        replay,
        ...(refundRule === undefined ? {} : { refundRule }),
      }),
    nemesis: (_system, { params }) => nemesisFromParams(params, SAGA_SERVICES),
    invariants: !checked ? [] : [
      invariant(SAGA_INVARIANTS.chargedOnce, (system: SagaSystem) => {
        const twice = doubleCharges(system);
        return twice.length === 0 ? undefined : `order ${twice[0]} was charged more than once`;
      }, { everyMs: CHECK_EVERY_MS }),
      invariant(SAGA_INVARIANTS.conserved, (system: SagaSystem) => {
        const money = countMoney(system);
        return money.total === system.totalMoney ? undefined : `the books hold ${money.total} ` +
          `(customers ${money.customers}, merchant ${money.merchant}, in flight ${money.inFlight}), ` +
          `not ${system.totalMoney}`;
      }, { everyMs: CHECK_EVERY_MS }),
    ],
    liveness: !checked ? undefined : {
      name: SAGA_INVARIANTS.settled,
      withinMs: (params) => params.settleMs,
      holds: settledEvery(CHECK_EVERY_MS),
      explain: (system) => {
        const open = sagaRecords(system).filter((s) =>
          s.phase !== "completed" && s.phase !== "compensated"
        );
        const lost = [...system.shop().accepted].filter((id) =>
          !sagaRecords(system).some((s) => s.order.orderId === id)
        );
        return `${open.length} sagas still running, ${lost.length} accepted orders the orchestrator ` +
          `no longer knows (${lost.slice(0, 3).join(", ")})`;
      },
    },
    finalChecks: !checked ? [] : [
      invariant(SAGA_INVARIANTS.effects, (system: SagaSystem) => mismatchedEffects(system)[0]),
    ],
    untilMs: (params) => params.faultsUntilMs + (checked ? 0 : params.settleMs),
    history: false,
    row: ({ system, params, failure }): SagaRow => {
      const sagas = sagaRecords(system);
      const money = countMoney(system);
      const dirty = dirtyReads(system);
      const ended = sagas.filter((s) =>
        s.phase === "completed" || s.phase === "compensated"
      ).length;
      return {
        variant: params.variant,
        orders: system.orders.length,
        completed: sagas.filter((s) => s.phase === "completed").length,
        compensated: sagas.filter((s) => s.phase === "compensated").length,
        refunded: sagas.filter((s) =>
          s.phase === "compensated" && s.refusedStep !== undefined && s.refusedStep !== "charge"
        ).length,
        unfinished: system.shop().accepted.size - ended,
        conserved: money.customers + money.merchant === system.totalMoney && money.inFlight === 0,
        moneyDrift: money.total - system.totalMoney,
        doubleCharged: doubleCharges(system).length,
        mismatched: mismatchedEffects(system).length,
        anomaliesMidSaga: dirty.orders,
        dirtyStatements: dirty.reads,
        semanticLock: params.semanticLock,
        pendingSeen: dirty.pendingOrders,
        bankCopies: system.simulation.storage("bank").get<number>("copies") ?? 0,
        bankApplied: system.simulation.storage("bank").get<number>("applied") ?? 0,
        failure: failure?.invariant ?? null,
      };
    },
  });
}
