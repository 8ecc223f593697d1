/**
 * The chapter's scripted runs of atomic commit: one fault, struck at the worst moment of
 * one transaction, and the space-time diagram of what follows with every prepared
 * participant's wait shaded.
 *
 * - `coordinator-crash`: the coordinator crashes once every participant has prepared
 *   (their yes votes still on the way) and restarts `downMs` later. Under 2PC the
 *   participants wait the whole time; under 3PC they terminate without it.
 * - `partition`: under 3PC, as soon as one participant is pre-committed, a participant
 *   still uncertain is cut off from everyone for `downMs`. The coordinator, hearing no
 *   acknowledgement from it, commits the others; the cut-off one hears no one and aborts.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { z } from "zod";
import { nodeIdField, parseConfig, positiveMs, seedField } from "../config/mod.ts";
import type { NodeId } from "../sim/node.ts";
import type { Figure } from "../viz/figure.ts";
import { spaceTimeDiagram } from "../viz/space_time.ts";
import {
  AtomicCommitParamsSchema,
  type AtomicCommitSystem,
  buildAtomicCommit,
} from "./atomic_commit_trial.ts";
import type { PreparedWait } from "./commit_ledger.ts";

/** Zod schema of {@link CommitScenarioOptions}. */
export const CommitScenarioOptionsSchema = z.strictObject({
  protocol: z.enum(["2pc", "3pc"]).default("2pc"),
  fault: z.enum(["coordinator-crash", "partition"]).default("coordinator-crash"),
  seed: seedField().default(1),
  /** The transaction the fault strikes (earlier ones run undisturbed). Default 2. */
  txn: z.number().int().min(1).default(2),
  /** How long the coordinator stays down, or the participant cut off, in ms. Default 150. */
  downMs: positiveMs().default(150),
  /** The run lasts this long after the fault ends, in ms. Default 30. */
  afterMs: positiveMs().default(30),
  /** A participant to cut off under `partition` (default: the first still uncertain). */
  isolate: nodeIdField().optional(),
});

/** What a user may write for a scenario. */
export type CommitScenarioOptions = z.input<typeof CommitScenarioOptionsSchema>;

/** A scripted run: the system, the fault, and the struck transaction's waits. */
export interface CommitScenario {
  /** The system after the run (its trace recorded). */
  readonly system: AtomicCommitSystem;
  /** The transaction the fault struck. */
  readonly txn: number;
  /** What struck it ("crash coord", "isolate p3"). */
  readonly fault: string;
  /** When the fault began and ended, in ms. */
  readonly faultFromMs: number;
  /** When the fault ended, in ms. */
  readonly faultToMs: number;
  /** The prepared participants' waits in that transaction. */
  readonly waits: readonly PreparedWait[];
  /** Each participant's outcome in that transaction (null: none yet). */
  readonly outcomes: Readonly<Record<string, "commit" | "abort" | null>>;
  /** Where the diagram starts, in ms: just before the transaction began. */
  readonly fromMs: number;
  /** Where the run ended, in ms. */
  readonly toMs: number;
}

/**
 * Runs one scripted scenario. Throws a RangeError if the fault's moment never comes
 * (every participant must prepare the struck transaction; under `partition`, one must
 * pre-commit), which a different seed or transaction fixes.
 *
 * @example
 * ```ts
 * const run = commitScenario({ protocol: "2pc", downMs: 150 });
 * run.waits.every((w) => w.toMs! >= run.faultToMs); // true: 2PC waited for the coordinator
 * ```
 */
export function commitScenario(options: CommitScenarioOptions = {}): CommitScenario {
  const o = parseConfig(CommitScenarioOptionsSchema, options, "scenario");
  if (o.fault === "partition" && o.protocol !== "3pc") {
    throw new RangeError("Cannot script the partition scenario: it is a 3PC scenario");
  }
  const params = AtomicCommitParamsSchema.parse({
    protocol: o.protocol,
    faults: "none",
    abortProbability: 0,
    runMs: 100_000,
  });
  const system = buildAtomicCommit(params, o.seed, { record: true, lastTxn: o.txn });
  const sim = system.simulation;
  const { ledger, participants } = system;
  const stateOf = (id: NodeId) => sim.storage(id).get<string>(`3pc:participant:${o.txn}`);
  const moment = o.fault === "coordinator-crash"
    ? () => ledger.waits().filter((w) => w.txn === o.txn).length === participants.length
    : () => participants.some((id) => stateOf(id) === "precommitted");
  let begunAt = 0;
  const limitMs = 10_000;
  while (!moment()) {
    if (ledger.transactions < o.txn) begunAt = sim.now;
    if (!sim.step() || sim.now > limitMs) {
      throw new RangeError(
        `Cannot script the ${o.fault} scenario: txn ${o.txn} never reached its moment ` +
          `by ${limitMs} ms (seed ${o.seed}); try another seed or txn`,
      );
    }
  }
  const faultFromMs = sim.now;
  const faultToMs = faultFromMs + o.downMs;
  let fault: string;
  if (o.fault === "coordinator-crash") {
    const coordinator = system.coordinators[0]!;
    sim.crash(coordinator);
    sim.at(faultToMs, () => sim.restart(coordinator));
    fault = `crash ${coordinator}`;
  } else {
    const target = o.isolate ?? participants.find((id) => stateOf(id) === "uncertain");
    if (target === undefined) {
      throw new RangeError(
        `Cannot script the partition scenario: no participant is still uncertain in txn ${o.txn}`,
      );
    }
    sim.partition([[target], sim.nodeIds.filter((id) => id !== target)]);
    sim.at(faultToMs, () => sim.heal());
    fault = `isolate ${target}`;
  }
  const toMs = faultToMs + o.afterMs;
  sim.runUntil(toMs);
  const waits = ledger.waits().filter((w) => w.txn === o.txn);
  const outcomes: Record<string, "commit" | "abort" | null> = {};
  for (const id of participants) {
    const state = o.protocol === "2pc"
      ? sim.storage(id).get<string>(`2pc:participant:${o.txn}`)
      : stateOf(id);
    outcomes[id] = state === "committed" ? "commit" : state === "aborted" ? "abort" : null;
  }
  return {
    system,
    txn: o.txn,
    fault,
    faultFromMs,
    faultToMs,
    waits,
    outcomes,
    fromMs: Math.max(0, begunAt - 1),
    toMs,
  };
}

/**
 * One colour per message type of 2PC and 3PC, so every diagram of atomic commit colours a
 * type alike: the request for votes (Prepare, CanCommit) yellow, votes red, decisions blue.
 */
export const ATOMIC_COMMIT_COLORS: Readonly<Record<string, string>> = {
  Prepare: "#efb118",
  CanCommit: "#efb118",
  Vote: "#ff725c",
  Decision: "#4269d0",
  DecisionRequest: "#a463f2",
  PreCommit: "#3ca951",
  PreCommitAck: "#6cc5b0",
  StateRequest: "#ff8ab7",
  StateReply: "#9c6b4e",
};

/** Options of {@link commitScenarioDiagram}. */
export interface CommitScenarioDiagramOptions {
  /** Title above the diagram. */
  readonly title?: string;
  /** Caption under it. */
  readonly caption?: string;
  /** Width in pixels. Default 900. */
  readonly width?: number;
}

/**
 * The space-time diagram of a scenario, from just before the struck transaction to the
 * end, with each prepared participant's wait shaded on its lane (orange) and labelled,
 * at its start, with its length and outcome.
 */
export function commitScenarioDiagram(
  scenario: CommitScenario,
  options: CommitScenarioDiagramOptions = {},
): Figure {
  const nodes = [...scenario.system.coordinators, ...scenario.system.participants];
  const lane = (id: NodeId) => nodes.indexOf(id);
  const waits = scenario.waits.map((w) => ({
    ...w,
    toMs: w.toMs ?? scenario.toMs,
    lane: lane(w.participant),
    label: `waits ${Math.round((w.toMs ?? scenario.toMs) - w.fromMs)} ms` +
      (w.decision === null ? "" : ` → ${w.decision}`),
  }));
  return spaceTimeDiagram(scenario.system.simulation.trace, {
    nodes,
    fromMs: scenario.fromMs,
    toMs: scenario.toMs,
    notes: false,
    colors: ATOMIC_COMMIT_COLORS,
    width: options.width ?? 900,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    marks: [
      Plot.rect(waits, {
        x1: "fromMs",
        x2: "toMs",
        y1: (d: { lane: number }) => d.lane - 0.32,
        y2: (d: { lane: number }) => d.lane + 0.32,
        fill: "#f59e0b",
        fillOpacity: 0.22,
        title: (d: { participant: string; label: string }) =>
          `${d.participant} prepared, ${d.label}`,
      }),
      Plot.text(waits, {
        x: "fromMs",
        y: (d: { lane: number }) => d.lane - 0.42,
        text: "label",
        textAnchor: "start",
        dx: 3,
        fontSize: 11,
        fill: "#92400e",
      }),
    ],
  });
}
