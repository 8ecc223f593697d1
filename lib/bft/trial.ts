/**
 * PBFT under Byzantine replicas and a nemesis, as a trial of the shared harness
 * (lib/testing). The first `byzantine` replicas (r0 first, the primary of view 0) run a
 * Byzantine behaviour; the nemesis pauses and isolates replicas; the network loses
 * messages. Checked after every event:
 *
 * - **agreement**: no two correct replicas executed different requests at one sequence
 *   number;
 * - **client accepts f + 1 matching replies**: every result a client accepted came with
 *   f + 1 matching, validly signed replies from distinct replicas;
 * - **client results are correct**: every accepted result is what a correct replica
 *   answered for that request (or no correct replica has executed it yet).
 *
 * Liveness: once the faults have healed, a probe client's requests and every client's
 * requests complete. The `pbft` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  defineTrial,
  type Invariant,
  invariant,
  nemesisFromParams,
  nemesisParams,
  type Trial,
} from "../testing/mod.ts";
import { BYZANTINE_BEHAVIORS, ByzantineReplica, Collusion } from "./byzantine.ts";
import { PbftClient, type PbftClientTimer } from "./client.ts";
import type { PbftMessage } from "./messages.ts";
import { faultsTolerated, PbftReplica, type PbftTimer, type PreparedRule } from "./replica.ts";
import { KeyRing } from "./signatures.ts";

/**
 * Deliberately broken variants, each removing one rule: quorums of f + 1 instead of
 * 2f + 1; replicas that skip checking signatures; a new primary that ignores the
 * prepared certificates of VIEW-CHANGE messages; clients that accept the first reply.
 */
export const PBFT_VARIANTS = [
  "none",
  "f+1-quorum",
  "skip-verify",
  "ignore-prepared",
  "client-first-reply",
] as const;

/** One of {@link PBFT_VARIANTS}. */
export type PbftVariant = typeof PBFT_VARIANTS[number];

/** Zod schema of the PBFT trial's (and the `pbft` experiment's) parameters. */
export const PbftParamsSchema = z.strictObject({
  n: integerAtLeast(1).default(4).describe("Replicas (n = 3f + 1 tolerates f Byzantine)"),
  byzantine: integerAtLeast(0).default(1)
    .describe("How many replicas are Byzantine (r0, r1, ...: r0 is the first primary)"),
  behavior: z.enum(BYZANTINE_BEHAVIORS).default("equivocate")
    .describe("What the Byzantine replicas do: silent, equivocate, lie or replay"),
  clients: integerAtLeast(1).default(2).describe("Clients, each sending requests one at a time"),
  requestsPerClient: integerAtLeast(0).default(8).describe("Requests each client sends"),
  thinkMs: nonNegativeMs().default(20)
    .describe("Longest pause before each client request, in ms (uniform from 0)"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay"),
  lossProbability: probability().default(0.01).describe("Probability a message is lost"),
  ...nemesisParams({
    faultsPerSecond: 2,
    faultsUntilMs: 1000,
    meanFaultDurationMs: 100,
    faultKinds: ["isolate", "pause"],
    concurrentNodeFaults: 1,
  }),
  viewChangeTimeoutMs: positiveMs().default(150)
    .describe("A replica starts a view change when a request waits this long, in ms"),
  clientRetryMs: positiveMs().default(100)
    .describe("A client resends to every replica after this long without a result, in ms"),
  livenessBoundMs: positiveMs().default(30_000)
    .describe("After the faults end, every client's requests must complete within this, in ms"),
  variant: z.enum(PBFT_VARIANTS).default("none")
    .describe("A deliberately broken variant (none: PBFT as published)"),
}).refine((p) => p.byzantine <= p.n, {
  error: "must be at most n",
  path: ["byzantine"],
});

/** The PBFT trial's parameters, defaults applied. */
export type PbftParams = z.output<typeof PbftParamsSchema>;

/** What a user may write for {@link PbftParams}. */
export type PbftParamsInput = z.input<typeof PbftParamsSchema>;

/** The default parameters. */
export const PBFT_DEFAULTS: PbftParams = parseConfig(PbftParamsSchema, {}, "params");

/** What one PBFT trial builds. */
export interface PbftSystem {
  /** The simulation. */
  readonly simulation: Simulation<PbftMessage>;
  /** Replica ids, r0 ... r(n−1). */
  readonly replicas: readonly NodeId[];
  /** The Byzantine ones. */
  readonly byzantine: ReadonlySet<NodeId>;
  /** Client ids (the liveness probe last, once added). */
  readonly clients: NodeId[];
  /** f for this n. */
  readonly f: number;
  /** The first digest a correct replica executed at each sequence number, and who. */
  readonly decided: Map<number, { readonly digest: string; readonly replica: NodeId }>;
  /** The first disagreement seen, in words. */
  disagreement: string | undefined;
  /** Results correct replicas answered, by "client:timestamp". */
  readonly answers: Map<string, number>;
}

/** One row of the `pbft` experiment: one trial. */
export type PbftRow = {
  /** Replicas. */
  readonly n: number;
  /** Byzantine replicas. */
  readonly byzantine: number;
  /** f = ⌊(n − 1) / 3⌋. */
  readonly f: number;
  /** The Byzantine behaviour. */
  readonly behavior: string;
  /** The variant run. */
  readonly variant: string;
  /** No two correct replicas executed different requests at one sequence number. */
  readonly agreement: boolean;
  /** Clients accepted only results backed by f + 1 replies that a correct replica gave. */
  readonly clientsSafe: boolean;
  /** Every client's requests completed after the faults ended (null: the run stopped earlier). */
  readonly live: boolean | null;
  /** Requests completed. */
  readonly requests: number;
  /** Messages sent, by replicas and clients. */
  readonly messages: number;
  /** Messages per completed request. */
  readonly messagesPerRequest: number | null;
  /** Mean time from a request's send to its accepted result, in ms. */
  readonly meanLatencyMs: number | null;
  /** The highest view a correct replica reached. */
  readonly view: number;
  /** The kind of failure, if any. */
  readonly failure: string | null;
  /** What broke, if anything. */
  readonly invariant: string | null;
};

/** Name of the agreement invariant. */
export const AGREEMENT = "agreement among correct replicas";
/** Name of the client-quorum invariant. */
export const CLIENT_QUORUM = "client accepts only f + 1 matching replies";
/** Name of the client-result invariant. */
export const CLIENT_RESULTS = "client results come from correct replicas";

/** The PBFT invariants, checked after every event. */
export const PBFT_INVARIANTS: readonly Invariant<PbftSystem>[] = [
  invariant(AGREEMENT, (system: PbftSystem) => system.disagreement),
  invariant(CLIENT_QUORUM, (system: PbftSystem) => {
    for (const id of system.clients) {
      const client = system.simulation.node<PbftClient>(id);
      const last = client?.accepted.at(-1);
      if (last !== undefined && last.repliers.length < system.f + 1) {
        return `${id} accepted ${last.result} for request ${last.timestamp} on ` +
          `${last.repliers.length} matching replies (${
            last.repliers.join(", ")
          }), fewer than f + 1 = ${system.f + 1}`;
      }
    }
    return undefined;
  }),
  invariant(CLIENT_RESULTS, (system: PbftSystem) => {
    for (const id of system.clients) {
      const client = system.simulation.node<PbftClient>(id);
      for (const accepted of client?.accepted ?? []) {
        const answer = system.answers.get(`${id}:${accepted.timestamp}`);
        if (answer !== undefined && answer !== accepted.result) {
          return `${id} accepted ${accepted.result} for request ${accepted.timestamp}, ` +
            `but correct replicas answered ${answer}`;
        }
      }
    }
    return undefined;
  }, { everyMs: 10 }),
];

/** Options of {@link pbftTrialWith}: plug-ins that are not parameters. */
export interface PbftTrialOptions {
  /** The correct replicas' prepared predicate. Default the paper's (`isPrepared`). */
  readonly prepared?: PreparedRule;
}

/** The PBFT trial; see the module doc. */
export const pbftTrial: Trial<typeof PbftParamsSchema, PbftSystem, PbftRow> = pbftTrialWith();

/** The PBFT trial with plug-ins (a prepared predicate of one's own). */
export function pbftTrialWith(
  options: PbftTrialOptions = {},
): Trial<typeof PbftParamsSchema, PbftSystem, PbftRow> {
  return defineTrial({
    name: "pbft",
    params: PbftParamsSchema,
    build: ({ params, seed, record, replay }): PbftSystem => {
      const simulation = new Simulation<PbftMessage>({
        seed,
        record,
        replay,
        network: { latency: params.latency, lossProbability: params.lossProbability },
      });
      const replicas = Array.from({ length: params.n }, (_, i) => `r${i}`);
      const byzantine = new Set(replicas.slice(0, params.byzantine));
      const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
      const ring = new KeyRing([...replicas, ...clients, "probe"], new Random(seed).child("keys"));
      const collusion = new Collusion();
      const system: PbftSystem = {
        simulation,
        replicas,
        byzantine,
        clients,
        f: faultsTolerated(params.n),
        decided: new Map(),
        disagreement: undefined,
        answers: new Map(),
      };
      const observer = {
        executed: (
          replica: NodeId,
          seq: number,
          digest: string,
          request: { client: NodeId; timestamp: number } | null,
          result: number | null,
        ) => {
          if (byzantine.has(replica)) return;
          const first = system.decided.get(seq);
          if (first === undefined) {
            system.decided.set(seq, { digest, replica });
          } else if (first.digest !== digest && system.disagreement === undefined) {
            system.disagreement = `${first.replica} executed ${first.digest} at sequence number ` +
              `${seq} but ${replica} executed ${digest}`;
          }
          if (request !== null && result !== null) {
            system.answers.set(`${request.client}:${request.timestamp}`, result);
          }
        },
      };
      const replicaOptions = {
        replicas,
        verifier: ring.verifier,
        quorum: params.variant === "f+1-quorum" ? "f+1" as const : "2f+1" as const,
        verifySignatures: params.variant !== "skip-verify",
        newViewRule: params.variant === "ignore-prepared"
          ? "ignore-prepared" as const
          : "prepared" as const,
        viewChangeTimeoutMs: params.viewChangeTimeoutMs,
        observer,
        ...(options.prepared === undefined ? {} : { prepared: options.prepared }),
      };
      simulation.addNodes<PbftTimer>(replicas, (ctx) => {
        const options = { ...replicaOptions, signer: ring.signer(ctx.id) };
        return byzantine.has(ctx.id)
          ? new ByzantineReplica(ctx, { ...options, behavior: params.behavior, collusion })
          : new PbftReplica(ctx, options);
      });
      simulation.addNodes<PbftClientTimer>(clients, (ctx) =>
        new PbftClient(ctx, {
          replicas,
          signer: ring.signer(ctx.id),
          verifier: ring.verifier,
          requests: params.requestsPerClient,
          thinkMs: params.thinkMs,
          retryMs: params.clientRetryMs,
          accept: params.variant === "client-first-reply" ? "first" : "f+1",
        }));
      simulation.addNode<PbftClientTimer>("probe", (ctx) =>
        new PbftClient(ctx, {
          replicas,
          signer: ring.signer(ctx.id),
          verifier: ring.verifier,
          requests: 2,
          thinkMs: params.thinkMs,
          retryMs: params.clientRetryMs,
          accept: params.variant === "client-first-reply" ? "first" : "f+1",
          manual: true,
        }));
      clients.push("probe");
      return system;
    },
    nemesis: (system, { params }) => nemesisFromParams(params, system.replicas),
    invariants: PBFT_INVARIANTS,
    liveness: {
      name: "every client's requests complete after the faults end",
      withinMs: (params) => params.livenessBoundMs,
      start: (system) => system.simulation.node<PbftClient>("probe")!.begin(),
      holds: (system) => system.clients.every((id) => system.simulation.node<PbftClient>(id)!.done),
      explain: (system) => {
        const views = correctReplicas(system).map((r) => `${r.view}${r.inViewChange ? "*" : ""}`);
        return `correct replicas' views ${views.join(", ")}`;
      },
    },
    untilMs: (params) => params.faultsUntilMs,
    row: ({ params, system, failure }): PbftRow => {
      const accepted = system.clients.flatMap((id) =>
        system.simulation.node<PbftClient>(id)!.accepted
      );
      const messages = system.simulation.stats.sends;
      return {
        n: params.n,
        byzantine: params.byzantine,
        f: system.f,
        behavior: params.behavior,
        variant: params.variant,
        agreement: failure?.invariant !== AGREEMENT,
        clientsSafe: failure?.invariant !== CLIENT_QUORUM && failure?.invariant !== CLIENT_RESULTS,
        live: failure === undefined ? true : failure.kind === "liveness" ? false : null,
        requests: accepted.length,
        messages,
        messagesPerRequest: accepted.length === 0 ? null : messages / accepted.length,
        meanLatencyMs: accepted.length === 0
          ? null
          : accepted.reduce((sum, a) => sum + a.acceptedMs - a.sentMs, 0) / accepted.length,
        view: Math.max(0, ...correctReplicas(system).map((r) => r.view)),
        failure: failure?.kind ?? null,
        invariant: failure?.invariant ?? null,
      };
    },
  });
}

/** The correct replicas of a system. */
export function correctReplicas(system: PbftSystem): PbftReplica[] {
  return system.replicas
    .filter((id) => !system.byzantine.has(id))
    .map((id) => system.simulation.node<PbftReplica>(id))
    .filter((r): r is PbftReplica => r !== undefined);
}
