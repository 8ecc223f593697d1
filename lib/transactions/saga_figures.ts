/**
 * Data for the saga chapter's figures: one saga's messages picked out of a trace (for a
 * space-time diagram), its steps as a timeline table, and the broken variants swept over
 * seeds (violations per variant).
 *
 * @module
 */
import type { Message } from "../sim/node.ts";
import type { TraceRecord } from "../sim/trace.ts";
import { faultSweep, runTrial } from "../testing/mod.ts";
import type { SagaMessage } from "./saga.ts";
import {
  SAGA_VARIANTS,
  sagaMoneyTrial,
  type SagaParams,
  sagaRecords,
  type SagaSystem,
  type SagaVariant,
} from "./saga_trial.ts";

/** The order a message is about, or undefined (statements, which are about every order). */
export function orderOf(message: SagaMessage): string | undefined {
  switch (message.type) {
    case "PlaceOrder":
      return message.order.orderId;
    case "OrderAccepted":
    case "Reply":
    case "Event":
      return message.orderId;
    case "EventAck":
      return message.id.slice(message.id.indexOf(":") + 1);
    case "ReadStatement":
    case "Statement":
      return undefined;
    default:
      return message.order.orderId;
  }
}

/**
 * The records of one saga: the messages about `orderId`, the notes the orchestrator wrote
 * about it, and every node fault and partition (so the diagram shades them).
 *
 * @example
 * ```ts ignore
 * spaceTimeDiagram(orderRecords(system.simulation.trace.records, "o4"), { nodes: SAGA_LANES });
 * ```
 */
export function orderRecords<M extends Message>(
  records: readonly TraceRecord<M>[],
  orderId: string,
): TraceRecord<M>[] {
  return records.filter((record) => {
    switch (record.kind) {
      case "send":
      case "deliver":
      case "drop":
        return orderOf(record.message as unknown as SagaMessage) === orderId;
      case "note":
        return record.data?.orderId === orderId;
      case "timer":
        return false;
      default:
        return true;
    }
  });
}

/** The lanes of a saga's space-time diagram, top to bottom. */
export const SAGA_LANES: readonly string[] = [
  "shop",
  "orders",
  "payments",
  "inventory",
  "shipping",
  "bank",
];

/** One answered step of a saga, for a timeline table. */
export interface SagaStepRow {
  /** When the orchestrator received the answer, in ms. */
  readonly atMs: number;
  /** The action answered. */
  readonly action: string;
  /** Done, or refused (and why). */
  readonly outcome: string;
  /** Whether the orchestrator acted on this answer (false: a duplicate or a late one). */
  readonly used: boolean;
}

/**
 * The answers the orchestrator received for `orderId`, in time order: the saga's steps and
 * compensations, with duplicates and late answers marked as unused.
 */
export function sagaSteps<M extends Message>(
  records: readonly TraceRecord<M>[],
  orderId: string,
): SagaStepRow[] {
  const rows: SagaStepRow[] = [];
  const answered = new Set<string>();
  for (const record of records) {
    if (record.kind !== "deliver" || record.to !== "orders") continue;
    const message = record.message as unknown as SagaMessage;
    if (message.type !== "Reply" || message.orderId !== orderId) continue;
    rows.push({
      atMs: Math.round(record.t * 10) / 10,
      action: message.action,
      outcome: message.ok ? "done" : `refused: ${message.reason ?? "?"}`,
      used: !answered.has(message.action),
    });
    answered.add(message.action);
  }
  return rows;
}

/** One bar of the broken-variants figure: seeds of a variant caught by one invariant. */
export interface VariantViolationRow {
  /** The variant. */
  readonly variant: SagaVariant;
  /** The invariant that caught it ("none" for seeds with no violation). */
  readonly invariant: string;
  /** How many seeds. */
  readonly seeds: number;
}

/** Options of {@link variantViolations}. */
export interface VariantViolationsOptions {
  /** Seeds per variant. Default 100. */
  readonly seeds?: number;
  /** The first seed. Default 1. */
  readonly firstSeed?: number;
  /** Parameters on top of the defaults, for every variant. */
  readonly params?: Partial<SagaParams>;
  /** The variants. Default all. */
  readonly variants?: readonly SagaVariant[];
}

/**
 * Runs the checked saga trial for each variant over the same seeds and counts, per
 * variant, the seeds each invariant caught (a run stops at its first violation).
 */
export function variantViolations(options: VariantViolationsOptions = {}): VariantViolationRow[] {
  const rows: VariantViolationRow[] = [];
  for (const variant of options.variants ?? SAGA_VARIANTS) {
    const result = faultSweep(sagaMoneyTrial, {
      seeds: options.seeds ?? 100,
      firstSeed: options.firstSeed ?? 1,
      params: { ...options.params, variant },
      excerpt: false,
    });
    const counts = new Map<string, number>();
    for (const failure of result.failures) {
      counts.set(failure.invariant, (counts.get(failure.invariant) ?? 0) + 1);
    }
    counts.set("none", result.trials - result.failures.length);
    for (const [invariant, seeds] of counts) {
      if (seeds > 0 || invariant === "none") rows.push({ variant, invariant, seeds });
    }
  }
  return rows;
}

/** A saga worth drawing: the run it is in, and its order id. */
export interface SagaStory {
  /** The run's seed. */
  readonly seed: number;
  /** The saga's order id. */
  readonly orderId: string;
  /** The run, recorded. */
  readonly system: SagaSystem;
  /** From the saga's first message to its last, in ms. */
  readonly fromMs: number;
  /** See `fromMs`. */
  readonly toMs: number;
}

/**
 * The first saga, from seed `firstSeed` on, that shipping refused (so it is compensated
 * step by step) and during which `crashed` crashed and restarted: a saga that shows
 * compensation and recovery from durable state. Runs the checked trial, recording.
 * Throws a RangeError if none of `seeds` seeds has one.
 */
export function findSagaStory(
  options: { firstSeed?: number; seeds?: number; crashed?: string; params?: Partial<SagaParams> } =
    {},
): SagaStory {
  const first = options.firstSeed ?? 1, seeds = options.seeds ?? 50;
  const crashed = options.crashed ?? "orders";
  for (let seed = first; seed < first + seeds; seed++) {
    const { system } = runTrial(sagaMoneyTrial, { ...options.params }, seed, { record: true });
    const records = system.simulation.trace.records;
    for (const saga of sagaRecords(system)) {
      if (saga.phase !== "compensated" || saga.refusedStep !== "ship") continue;
      const mine = orderRecords(records, saga.order.orderId);
      const sends = mine.filter((r) => r.kind === "send");
      const fromMs = sends[0]!.t, toMs = sends.at(-1)!.t;
      const hit = (kind: string) =>
        mine.some((r) =>
          r.kind === kind && "node" in r && r.node === crashed && r.t > fromMs && r.t < toMs
        );
      if (hit("crash") && hit("restart")) {
        return { seed, orderId: saga.order.orderId, system, fromMs, toMs };
      }
    }
  }
  throw new RangeError(
    `Cannot find a saga refused by shipping while ${crashed} crashed and restarted in seeds ` +
      `${first} to ${first + seeds - 1}`,
  );
}
