/**
 * Service authentication under attack, as a trial: two services (`orders`, `inventory`)
 * call `payments` with signed requests; an attacker (`mallory`, a service with a key of
 * its own and a narrow policy) hears every request on the wire and replays, tampers with
 * and forges requests. Every node's clock has its own offset and drift, and keys rotate.
 *
 * The invariant, checked after every event by an observer that sees what the callers
 * sent and what `payments` accepted: every accepted request was sent, exactly as it is,
 * by the service it names, and was accepted once. So no attack is ever accepted.
 *
 * The `auth-attacks` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { nonNegativeMs, positiveMs } from "../config/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { MAX_DRIFT_PPM } from "../sim/clock.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";
import {
  ATTACK_KINDS,
  Attacker,
  type AuthMessage,
  checkFreshness,
  checkNonceOnly,
  type FreshnessCheck,
  KeyAuthority,
  type RefusalReason,
  type SignedRequest,
  SignedService,
  SigningCaller,
  wiretap,
} from "./auth.ts";

/** Zod schema of the `auth-attacks` parameters. */
export const AuthAttacksParamsSchema = z.strictObject({
  windowMs: positiveMs().default(500)
    .describe("Largest accepted gap between a request's timestamp and the receiver's clock, ms"),
  maxClockOffsetMs: nonNegativeMs().default(100)
    .describe("Each node's clock starts up to this far from true time, either way, in ms"),
  maxDriftPpm: z.number().min(0).max(MAX_DRIFT_PPM).default(200)
    .describe("Each node's clock drifts up to this fast or slow, in ppm"),
  rotationMs: positiveMs().default(1_000).describe("How long each key version is used, in ms"),
  meanGapMs: positiveMs().default(20).describe("Mean time between a caller's requests, in ms"),
  maxReplayDelayMs: positiveMs().default(2_000)
    .describe("The attacker replays each request after up to this long, in ms"),
  maxLatencyMs: positiveMs().default(10)
    .describe("One-way latency is uniform between 1 ms and this, in ms"),
  runMs: positiveMs().default(3_000).describe("How long the run lasts, in ms"),
  ignoreTimestamp: z.boolean().default(false)
    .describe("Broken variant: the receiver checks nonces but not timestamps"),
}).refine((p) => p.maxLatencyMs >= 1, {
  error: "must be at least 1 ms (latency is uniform from 1 ms)",
  path: ["maxLatencyMs"],
});

/** The `auth-attacks` parameters, with defaults applied. */
export type AuthAttacksParams = z.output<typeof AuthAttacksParamsSchema>;

/** The service under attack. */
export const PAYMENTS: NodeId = "payments";
/** The attacker. */
export const MALLORY: NodeId = "mallory";
/** Who may call what on payments. */
export const PAYMENTS_POLICY: Readonly<Record<string, readonly string[]>> = {
  orders: ["charge", "refund"],
  inventory: ["status"],
  mallory: ["status"],
};

/** What one auth trial builds. */
export interface AuthSystem {
  /** The simulation. */
  readonly simulation: Simulation<AuthMessage>;
  /** The honest callers. */
  readonly callers: readonly NodeId[];
  /** Signatures of the requests the honest callers sent. */
  readonly sent: ReadonlySet<string>;
  /** Requests payments accepted, in order. */
  readonly accepted: readonly SignedRequest[];
  /** Accepted requests that no honest caller sent as they are, or accepted twice. */
  readonly intrusions: readonly { readonly request: SignedRequest; readonly atMs: number }[];
  /** Each node's clock offset, in ms. */
  readonly offsetsMs: Readonly<Record<NodeId, number>>;
  /** The service. */
  readonly payments: () => SignedService | undefined;
  /** The attacker. */
  readonly attacker: () => Attacker | undefined;
  /** The honest callers' nodes. */
  readonly callerNodes: () => SigningCaller[];
}

/** Builds the system; `freshness` replaces the service's freshness check (for exercises). */
export function buildAuth(
  params: AuthAttacksParams,
  seed: number,
  options: { record?: boolean; replay?: string; freshness?: FreshnessCheck } = {},
): AuthSystem {
  const callers = ["orders", "inventory"];
  const nodes = [PAYMENTS, ...callers, MALLORY];
  const clockRandom = new Random(seed).child("clocks");
  const clocks = Object.fromEntries(nodes.map((id) => [id, {
    offsetMs: clockRandom.uniform(-params.maxClockOffsetMs, params.maxClockOffsetMs),
    driftPpm: clockRandom.uniform(-params.maxDriftPpm, params.maxDriftPpm),
  }]));
  const simulation = new Simulation<AuthMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: { latency: { kind: "uniform", minMs: 1, maxMs: params.maxLatencyMs } },
    clocks,
  });
  const keys = new KeyAuthority(seed, { rotationMs: params.rotationMs });
  const sent = new Set<string>();
  const acceptedOnce = new Set<string>();
  const accepted: SignedRequest[] = [];
  const intrusions: { request: SignedRequest; atMs: number }[] = [];
  const freshness = options.freshness ??
    (params.ignoreTimestamp ? checkNonceOnly : checkFreshness);
  simulation.addNode(PAYMENTS, (ctx) =>
    new SignedService(ctx, {
      keys,
      policy: PAYMENTS_POLICY,
      windowMs: params.windowMs,
      freshness,
      onAccept: (request) => {
        accepted.push(request);
        if (!sent.has(request.signature) || acceptedOnce.has(request.signature)) {
          intrusions.push({ request, atMs: simulation.now });
        }
        acceptedOnce.add(request.signature);
      },
    }));
  simulation.addNodes<"call">(callers, (ctx) =>
    new SigningCaller(wiretap(ctx, MALLORY), {
      keys,
      target: PAYMENTS,
      methods: PAYMENTS_POLICY[ctx.id]!,
      meanGapMs: params.meanGapMs,
      onSend: (request) => sent.add(request.signature),
    }));
  simulation.addNode(MALLORY, (ctx) =>
    new Attacker(ctx, {
      keys,
      maxReplayDelayMs: params.maxReplayDelayMs,
      forbiddenMethod: "refund",
    }));
  return {
    simulation,
    callers,
    sent,
    accepted,
    intrusions,
    offsetsMs: Object.fromEntries(nodes.map((id) => [id, clocks[id]!.offsetMs])),
    payments: () => simulation.node<SignedService>(PAYMENTS),
    attacker: () => simulation.node<Attacker>(MALLORY),
    callerNodes: () =>
      callers.map((id) => simulation.node<SigningCaller>(id)).filter((c) => c !== undefined),
  };
}

/** The rows of the `auth-attacks` experiment. */
export type AuthAttacksRow = {
  /** The freshness window, in ms. */
  readonly windowMs: number;
  /** The largest difference between two nodes' clock offsets, in ms. */
  readonly clockSpreadMs: number;
  /** Whether the service checks timestamps. */
  readonly checksTimestamp: boolean;
  /** Requests the honest callers sent. */
  readonly legitSent: number;
  /** Of those, answered as accepted. */
  readonly legitAccepted: number;
  /** Of those, refused for their timestamp or key (a window too small for the clocks). */
  readonly legitRefused: number;
  /**
   * Of those, refused as replays because the attacker's copy arrived first: the copy was
   * accepted in its place, so the call still took effect exactly once.
   */
  readonly legitOvertaken: number;
  /** Attacks made. */
  readonly attacks: number;
  /** Attacks accepted (must be 0). */
  readonly attacksAccepted: number;
  /** Replays made. */
  readonly replays: number;
  /** Tampered requests made (body, or timestamp and nonce). */
  readonly tampered: number;
  /** Forged requests made (own key under another's name, or another's name on own key). */
  readonly forged: number;
  /** Validly signed calls to a method the attacker may not call. */
  readonly escalations: number;
  /** Refusals for a bad signature. */
  readonly badSignature: number;
  /** Refusals for a key that is not the caller's, or retired. */
  readonly unknownKey: number;
  /** Refusals for a timestamp outside the window. */
  readonly staleTimestamp: number;
  /** Refusals for a nonce seen before. */
  readonly replayedNonce: number;
  /** Refusals by authorisation. */
  readonly forbidden: number;
  /** The most nonces the service held at once. */
  readonly peakNonces: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/** The auth trial; its invariant: every accepted request was sent as it is, and accepted once. */
export const authTrial = defineAuthTrial(true);

/** The `auth-attacks` experiment: one row per seed, no invariant watching. */
export const authAttacks = trialExperiment(defineAuthTrial(false), {
  title: "Forged, replayed and tampered requests against signed service calls",
  description: "Two services call payments with HMAC-signed requests on skewed clocks; an " +
    "attacker replays, tampers with and forges them. One row per seed: attempts and " +
    "refusals by reason; accepted attacks must be 0.",
  chapter: "21_architecture",
});

function defineAuthTrial(checked: boolean) {
  return defineTrial({
    name: "auth-attacks",
    params: AuthAttacksParamsSchema,
    build: ({ params, seed, record, replay }) => buildAuth(params, seed, { record, replay }),
    invariants: !checked ? [] : [
      invariant("only requests sent by their caller are accepted, once", (system: AuthSystem) => {
        const bad = system.intrusions[0];
        return bad === undefined ? undefined : `payments accepted a request claiming ` +
          `${bad.request.caller} (${bad.request.method}, nonce ${
            bad.request.nonce.slice(0, 8)
          }…) at ${bad.atMs.toFixed(1)} ms that ${
            system.sent.has(bad.request.signature)
              ? "it had already accepted: a replay"
              : "no honest caller sent"
          }`;
      }),
    ],
    untilMs: (params) => params.runMs,
    history: false,
    row: ({ system, params, failure }): AuthAttacksRow => {
      const refused = (reason: RefusalReason) => system.payments()?.refused[reason] ?? 0;
      const callers = system.callerNodes();
      const attempts = system.attacker()?.attempts;
      const count = (...kinds: (typeof ATTACK_KINDS)[number][]) =>
        kinds.reduce((sum, kind) => sum + (attempts?.[kind] ?? 0), 0);
      const offsets = Object.values(system.offsetsMs);
      return {
        windowMs: params.windowMs,
        clockSpreadMs: Math.round(Math.max(...offsets) - Math.min(...offsets)),
        checksTimestamp: !params.ignoreTimestamp,
        legitSent: system.sent.size,
        legitAccepted: callers.reduce((sum, c) => sum + c.accepted, 0),
        legitRefused: callers.reduce(
          (sum, c) =>
            sum + Object.entries(c.refused)
              .filter(([reason]) => reason !== "replayed-nonce")
              .reduce((a, [, n]) => a + n, 0),
          0,
        ),
        legitOvertaken: callers.reduce((sum, c) => sum + (c.refused["replayed-nonce"] ?? 0), 0),
        attacks: count(...ATTACK_KINDS),
        attacksAccepted: system.intrusions.length,
        replays: count("replay"),
        tampered: count("tamper-body", "tamper-timestamp"),
        forged: count("forge-signature", "borrowed-key"),
        escalations: count("escalate"),
        badSignature: refused("bad-signature"),
        unknownKey: refused("unknown-key"),
        staleTimestamp: refused("stale-timestamp"),
        replayedNonce: refused("replayed-nonce"),
        forbidden: refused("forbidden"),
        peakNonces: system.payments()?.peakNonces ?? 0,
        failure: failure?.invariant ?? null,
      };
    },
  });
}
