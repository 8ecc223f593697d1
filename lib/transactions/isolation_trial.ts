/**
 * The isolation trial: clients run a workload against the transactional store under one
 * concurrency control, the history they record goes through the checker, and the row says
 * which anomalies it found. The store's promise is checked too: read committed must give
 * read-committed histories, snapshot isolation snapshot-isolated ones, two-phase locking
 * strictly serializable ones; a broken variant breaks its promise within a few seeds.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, runTrial } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { TXN_WORKLOADS, TxnClient, type TxnWorkload } from "./txn_client.ts";
import {
  type AnomalyName,
  checkTransactions,
  FORBIDDEN,
  type IsolationLevel,
  type TxnCheckResult,
} from "./txn_checker.ts";
import type { TxnOperation } from "./txn_history.ts";
import {
  type CommitRule,
  CONCURRENCY_CONTROLS,
  type ConcurrencyControl,
  TxnStore,
} from "./txn_store.ts";

/** Zod schema of the isolation trial's parameters. */
export const IsolationParamsSchema = z.strictObject({
  isolation: z.enum(CONCURRENCY_CONTROLS as [ConcurrencyControl, ...ConcurrencyControl[]])
    .default("serializable")
    .describe("Concurrency control: none, read-committed, snapshot-isolation, serializable (2PL)"),
  anomaly: z.enum(TXN_WORKLOADS as [TxnWorkload, ...TxnWorkload[]]).default("random")
    .describe("Workload shaped for one anomaly, a random list-append mix, or registers"),
  clients: integerAtLeast(1).default(3).describe("Clients running transactions at once"),
  txnsPerClient: integerAtLeast(1).default(4).describe("Transactions each client runs"),
  thinkMs: nonNegativeMs().default(3).describe("Longest pause between operations, in ms"),
  abortProbability: probability().default(0.5)
    .describe("Chance a dirty-read writer aborts itself"),
  noFirstCommitterWins: z.boolean().default(false)
    .describe("Broken variant: snapshot isolation commits without first-committer-wins"),
  releaseReadLocksEarly: z.boolean().default(false)
    .describe("Broken variant: two-phase locking releases a shared lock after the read"),
  runMs: positiveMs().default(2_000).describe("How long the run lasts, in ms"),
});

/** The isolation trial's parameters. */
export type IsolationParams = z.output<typeof IsolationParamsSchema>;

/** The anomalies each workload is shaped to show (dirty reads show as G1a or G1b). */
export const WORKLOAD_ANOMALIES: Readonly<Record<TxnWorkload, readonly AnomalyName[]>> = {
  "dirty-read": ["G1a", "G1b"],
  "lost-update": ["lost-update"],
  "read-skew": ["G-single"],
  "write-skew": ["G2-item"],
  "random": [],
  "registers": [],
};

/** The level each concurrency control promises (none promises nothing). */
export const PROMISED_LEVEL: Readonly<Record<ConcurrencyControl, IsolationLevel | undefined>> = {
  "none": undefined,
  "read-committed": "read-committed",
  "snapshot-isolation": "snapshot-isolation",
  "serializable": "strict-serializable",
};

/** What the isolation trial builds. */
export interface IsolationSystem {
  /** The simulation. */
  readonly simulation: Simulation;
  /** The store. */
  readonly store: () => TxnStore;
  /** The clients. */
  readonly clients: () => TxnClient[];
  /** The transaction history the clients recorded. */
  readonly txnHistory: TxnOperation[];
  /** The checker's verdict on the history (computed once, when first asked). */
  readonly check: () => TxnCheckResult;
  /** The parameters. */
  readonly params: IsolationParams;
}

/**
 * Builds one run of the isolation trial: a store `db` and clients `c1`, `c2`, ... that
 * each end with a transaction reading every key, so every append is seen by some read.
 */
export function buildIsolation(
  params: IsolationParams,
  seed: number,
  record = false,
  commitRule?: CommitRule,
): IsolationSystem {
  const simulation = new Simulation({
    seed,
    record,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 5 } },
  });
  const history: TxnOperation[] = [];
  let value = 0;
  const nextValue = () => ++value;
  simulation.addNode(
    "db",
    (ctx) => new TxnStore(ctx, commitRule === undefined ? params : { ...params, commitRule }),
  );
  const ids = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  ids.forEach((id, process) =>
    simulation.addNode(id, (ctx) =>
      new TxnClient(ctx, {
        store: "db",
        process,
        txns: params.txnsPerClient,
        workload: params.anomaly,
        abortProbability: params.abortProbability,
        thinkMs: params.thinkMs,
        finalReadKeys: params.anomaly === "registers" ? ["a", "b"] : ["x", "y", "z"],
        history,
        nextValue,
      }))
  );
  let cached: TxnCheckResult | undefined;
  const system: IsolationSystem = {
    simulation,
    store: () => simulation.node<TxnStore>("db")!,
    clients: () => ids.map((id) => simulation.node<TxnClient>(id)!),
    txnHistory: history,
    check: () => (cached ??= checkTransactions(history)),
    params,
  };
  return system;
}

/** The isolation trial: the store keeps the promise of its concurrency control. */
export const isolationTrial = defineTrial({
  name: "isolation-anomalies",
  params: IsolationParamsSchema,
  build: ({ params, seed, record }): IsolationSystem => buildIsolation(params, seed, record),
  invariants: [
    invariant("no conflicting locks", (system: IsolationSystem) => {
      const conflicts = system.store().lockConflicts();
      return conflicts.length === 0 ? undefined : conflicts[0];
    }),
  ],
  // Checked at the end, so a run that breaks a rule still records its whole history for the
  // checker (the row reports what the checker saw).
  finalChecks: [
    invariant(
      "first committer wins",
      (system: IsolationSystem) => system.store().concurrentWriters,
    ),
    invariant("every client finished", (system: IsolationSystem) => {
      const stuck = system.clients().filter((c) => !c.done).length;
      return stuck === 0 ? undefined : `${stuck} clients still have transactions to run`;
    }),
    invariant("the history keeps the store's promise", (system: IsolationSystem) => {
      const level = PROMISED_LEVEL[system.params.isolation];
      if (level === undefined) return undefined;
      const result = system.check();
      if (result.satisfies[level]) return undefined;
      const against = result.anomalies.find((a) => FORBIDDEN[level].includes(a.name));
      return `a store running ${system.params.isolation} promises ${level}, but the history shows ` +
        `${against?.name}: ${against?.message}`;
    }),
  ],
  history: false,
  untilMs: (params) => params.runMs,
  row: ({ system, failure }) => {
    const result = system.check();
    const targets = WORKLOAD_ANOMALIES[system.params.anomaly];
    return {
      isolation: system.params.isolation,
      anomaly: system.params.anomaly,
      committed: system.txnHistory.filter((op) => op.type === "ok").length,
      aborted: system.txnHistory.filter((op) => op.type === "fail").length,
      found: targets.some((name) => result.anomalyNames.includes(name)),
      anomalies: result.anomalyNames.join(" "),
      readCommitted: result.satisfies["read-committed"],
      snapshotIsolation: result.satisfies["snapshot-isolation"],
      serializable: result.satisfies["serializable"],
      strictSerializable: result.satisfies["strict-serializable"],
      failure: failure?.invariant ?? null,
    };
  },
});

/**
 * Runs the isolation trial once and returns its system (the history, the checker's
 * verdict, the store), for a notebook to draw.
 *
 * @example
 * ```ts
 * const run = runIsolation({ isolation: "snapshot-isolation", anomaly: "write-skew" }, 1);
 * run.check().satisfies["snapshot-isolation"]; // true
 * ```
 */
export function runIsolation(
  params: z.input<typeof IsolationParamsSchema> = {},
  seed = 1,
): IsolationSystem {
  return runTrial(isolationTrial, params, seed, { excerpt: false }).system;
}

/**
 * The `isolation-anomalies` experiment: one row per seed with the anomalies the checker
 * found in the history of one workload under one concurrency control, and the levels
 * the history satisfies.
 */
export const isolationAnomalies = trialExperiment(isolationTrial, {
  title: "Which anomalies each isolation level lets through",
  description: "Clients run a workload shaped for one anomaly (dirty read, lost update, " +
    "read skew, write skew) or a random list-append mix against a store with no isolation, " +
    "read committed, snapshot isolation or strict two-phase locking; an Elle-style checker " +
    "reads the history. One row per seed: the anomalies found and the levels satisfied.",
  chapter: "12_isolation",
});
