/**
 * The paused lock holder, as a trial: three Raft servers replicate the lease lock
 * service, a few clients take turns incrementing a counter on a shared storage node
 * under the lock, and some clients' processes pause (the simulator's pause fault) for
 * longer than the lease. A paused holder wakes up believing it still holds the lock and
 * writes. Without fencing the storage takes that write after the new holder's: two
 * critical sections interleave and an increment is lost. With fencing the storage
 * refuses it.
 *
 * The `lease-lock` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { RaftNode } from "../consensus/raft_node.ts";
import type { NodeId } from "../sim/node.ts";
import { MAX_DRIFT_PPM } from "../sim/clock.ts";
import type { FaultInput } from "../sim/faults.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, nemesisFromParams, nemesisParams } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import {
  acceptAll,
  fenceByToken,
  FencedStorage,
  type FencingRule,
  outOfOrderAccess,
} from "./fenced_storage.ts";
import { LeaseClient, type LeaseClientTimer, type LeaseLockMessage } from "./lease_client.ts";
import { LeaseLockService, leaseOverlap } from "./lease_lock_service.ts";

/** Zod schema of the `lease-lock` parameters. */
export const LeaseLockParamsSchema = z.strictObject({
  fencing: z.boolean().default(true)
    .describe("Whether the storage checks fencing tokens"),
  pauseMs: positiveMs().default(300)
    .describe("How long each client pause lasts, in ms"),
  pauses: integerAtLeast(0).default(3)
    .describe("How many client pauses, at random times"),
  leaseMs: positiveMs().default(100).describe("The lease the clients ask for, in ms"),
  workMs: positiveMs().default(10)
    .describe("Time a client works between reading the counter and writing it, in ms"),
  clients: integerAtLeast(2).default(3).describe("Clients sharing the lock"),
  clientDriftPpm: z.number().min(-MAX_DRIFT_PPM).max(MAX_DRIFT_PPM).default(0)
    .describe("Clock drift of every client, in ppm (negative: slow, so leases seem longer)"),
  runMs: positiveMs().default(2_000).describe("How long the run lasts, in ms"),
  unsafeGrantEarlyMs: z.number().min(0).default(0)
    .describe("Broken variant: the service counts a lease as over this many ms early"),
  ...nemesisParams({
    faultsPerSecond: 0,
    faultsUntilMs: 1_500,
    meanFaultDurationMs: 100,
    faultKinds: ["partition", "isolate", "crash", "pause"],
  }),
}).refine((p) => p.runMs > p.pauseMs + 200, {
  error: "must exceed pauseMs by more than 200 ms, so a pause fits in the run",
  path: ["runMs"],
});

/** The `lease-lock` parameters, with defaults applied. */
export type LeaseLockParams = z.output<typeof LeaseLockParamsSchema>;

/** The Raft servers of the lock service. */
export const LEASE_SERVERS: readonly NodeId[] = ["n1", "n2", "n3"];
/** The storage node's id. */
export const STORAGE_NODE: NodeId = "storage";

/** What one lease-lock trial builds. */
export interface LeaseLockSystem {
  /** The simulation. */
  readonly simulation: Simulation<LeaseLockMessage>;
  /** The clients' ids. */
  readonly clients: readonly NodeId[];
  /** The client pauses, as [client, fromMs, toMs]. */
  readonly pauses: readonly (readonly [NodeId, number, number])[];
  /** The storage node. */
  readonly storage: () => FencedStorage | undefined;
  /** The lock service replica that has applied the most entries. */
  readonly service: () => LeaseLockService | undefined;
  /** The client nodes. */
  readonly clientNodes: () => LeaseClient[];
}

/** Builds the system; `rule` replaces the storage's fencing rule (for exercises). */
export function buildLeaseLock(
  params: LeaseLockParams,
  seed: number,
  options: { record?: boolean; replay?: string; rule?: FencingRule } = {},
): LeaseLockSystem {
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const pauses = planPauses(params, clients, new Random(seed).child("pauses"));
  const faults: FaultInput[] = pauses.flatMap(([node, from, to]) => [
    { atMs: from, kind: "pause" as const, node },
    { atMs: to, kind: "resume" as const, node },
  ]);
  const simulation = new Simulation<LeaseLockMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 5 } },
    clocks: Object.fromEntries(clients.map((id) => [id, { driftPpm: params.clientDriftPpm }])),
    faults,
  });
  simulation.addNodes(LEASE_SERVERS, (ctx) =>
    new RaftNode<LeaseLockService>(ctx, {
      servers: [...LEASE_SERVERS],
      electionTimeoutMinMs: 50,
      electionTimeoutMaxMs: 100,
      heartbeatIntervalMs: 15,
      stateMachine: () => new LeaseLockService({ unsafeGrantEarlyMs: params.unsafeGrantEarlyMs }),
    }));
  const rule = options.rule ?? (params.fencing ? fenceByToken : acceptAll);
  simulation.addNode(
    STORAGE_NODE,
    (ctx) => new FencedStorage(ctx, { rule, now: () => simulation.now }),
  );
  simulation.addNodes<LeaseClientTimer>(clients, (ctx) =>
    new LeaseClient(ctx, {
      servers: LEASE_SERVERS,
      storage: STORAGE_NODE,
      leaseMs: params.leaseMs,
      workMs: params.workMs,
      thinkMs: 20,
      now: () => simulation.now,
    }));
  return {
    simulation,
    clients,
    pauses,
    storage: () => simulation.node<FencedStorage>(STORAGE_NODE),
    service: () => {
      let best: RaftNode<LeaseLockService> | undefined;
      for (const id of LEASE_SERVERS) {
        const node = simulation.node<RaftNode<LeaseLockService>>(id);
        if (node !== undefined && (best === undefined || node.lastApplied > best.lastApplied)) {
          best = node;
        }
      }
      return best?.stateMachine;
    },
    clientNodes: () =>
      clients.map((id) => simulation.node<LeaseClient>(id)).filter((c) => c !== undefined),
  };
}

/** Pauses at random times, never two at once on one client. */
function planPauses(
  params: LeaseLockParams,
  clients: readonly NodeId[],
  random: Random,
): [NodeId, number, number][] {
  const busyUntil = new Map<NodeId, number>();
  const pauses: [NodeId, number, number][] = [];
  for (let i = 0; i < params.pauses; i++) {
    const client = random.pick(clients);
    const from = Math.round(random.uniform(100, params.runMs - params.pauseMs - 100));
    if (from <= (busyUntil.get(client) ?? -Infinity)) continue;
    pauses.push([client, from, from + params.pauseMs]);
    busyUntil.set(client, from + params.pauseMs);
  }
  return pauses.sort((a, b) => a[1] - b[1]);
}

/** The rows of the `lease-lock` experiment. */
export type LeaseLockRow = {
  /** Whether the storage checked tokens. */
  readonly fencing: boolean;
  /** Each pause's length, in ms. */
  readonly pauseMs: number;
  /** The lease, in ms. */
  readonly leaseMs: number;
  /** The storage accepted a request from an older holder after a newer holder's. */
  readonly mutualExclusionViolated: boolean;
  /** When that happened, in ms (null: never). */
  readonly violationAtMs: number | null;
  /** Requests the storage refused for a stale token. */
  readonly staleRefused: number;
  /** Leases granted. */
  readonly grants: number;
  /** Increments the storage acknowledged to clients. */
  readonly incrementsAcknowledged: number;
  /** The counter at the end. */
  readonly counter: number;
  /**
   * Increments the counter does not show: every accepted write should add one, so this
   * is accepted writes minus the counter (two holders that read the same value lose one).
   */
  readonly lostUpdates: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/**
 * The lease-lock trial: its invariants are mutual exclusion as the storage sees it and
 * the lease rule of the service. A run stops at the first broken invariant.
 */
export const leaseLockTrial = defineLeaseLockTrial(true);

/**
 * The `lease-lock` experiment: the same runs with no invariants watching, so each runs
 * to its end and its row shows what a violation cost (lost updates).
 */
export const leaseLock = trialExperiment(defineLeaseLockTrial(false), {
  title: "A paused lock holder writes after its lease expired, with and without fencing",
  description: "Clients increment a shared counter under a lease lock replicated by Raft; " +
    "some pause longer than the lease. One row per seed: whether the storage accepted an " +
    "older holder's request after a newer one's, and the increments lost.",
  chapter: "19_coordination",
});

function defineLeaseLockTrial(checked: boolean) {
  return defineTrial({
    name: "lease-lock",
    params: LeaseLockParamsSchema,
    build: ({ params, seed, record, replay }) => buildLeaseLock(params, seed, { record, replay }),
    nemesis: (_system, { params }) => nemesisFromParams(params, LEASE_SERVERS),
    invariants: !checked ? [] : [
      invariant("storage accepts tokens in order", (system: LeaseLockSystem) => {
        const found = system.storage()?.outOfOrder;
        return found === undefined
          ? undefined
          : `storage accepted ${found.stale.client}'s ${found.stale.kind} ` +
            `with token ${found.stale.token} at ${found.stale.atMs} ms, after ${found.after.client}'s ` +
            `with token ${found.after.token}`;
      }),
      invariant(
        "one lease at a time",
        (system: LeaseLockSystem) => leaseOverlap(system.service()?.grants ?? []),
        { everyMs: 10 },
      ),
    ],
    untilMs: (params) => params.runMs,
    history: false,
    row: ({ system, params, failure }): LeaseLockRow => {
      const accesses = system.storage()?.accesses ?? [];
      const found = outOfOrderAccess(accesses);
      const writes = accesses.filter((a) => a.accepted && a.kind === "write").length;
      const counter = system.storage()?.value ?? 0;
      const acknowledged = system.clientNodes().reduce(
        (sum, c) => sum + c.incrementsAcknowledged,
        0,
      );
      return {
        fencing: params.fencing,
        pauseMs: params.pauseMs,
        leaseMs: params.leaseMs,
        mutualExclusionViolated: found !== undefined,
        violationAtMs: found?.stale.atMs ?? null,
        staleRefused: accesses.filter((a) => !a.accepted).length,
        grants: system.service()?.grants.length ?? 0,
        incrementsAcknowledged: acknowledged,
        counter,
        lostUpdates: writes - counter,
        failure: failure?.invariant ?? null,
      };
    },
  });
}
