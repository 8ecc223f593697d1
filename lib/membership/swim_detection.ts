/**
 * The `swim-detection` experiment: a SWIM group of `n` members, one of which crashes at a
 * random moment after a warm-up; how many protocol periods pass before some member first
 * probes it, suspects it and confirms it, how often live members are suspected under
 * message loss, and how many messages each member sends per period. Also the load of
 * all-to-all heartbeating, for comparison.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, probability } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { replayCommand } from "../testing/replay.ts";
import { type SwimMessage, SwimNode, type SwimObserver } from "./swim.ts";

/** Zod schema of the `swim-detection` parameters. */
export const SwimDetectionParamsSchema = z.strictObject({
  n: integerAtLeast(3).default(16).describe("Members in the group"),
  k: integerAtLeast(0).default(3).describe("Members asked for an indirect probe (0: none)"),
  lossProbability: probability().default(0).describe("Probability a message is lost"),
  periodMs: positiveMs().default(1_000).describe("Protocol period, in ms"),
  pingTimeoutMs: positiveMs().default(200).describe("Wait for a direct ack, in ms"),
  suspicionPeriods: z.number().positive().default(5)
    .describe("Protocol periods a suspicion has to be refuted before it is confirmed"),
  suspicion: z.boolean().default(true)
    .describe("Suspect before confirming (false: a failed probe confirms at once)"),
  probeOrder: z.enum(["uniform", "round-robin"]).default("uniform")
    .describe("Probe targets uniformly at random, or round-robin over a shuffled list"),
  warmupPeriods: integerAtLeast(1).default(4)
    .describe("Periods before the crash (its moment is uniform within the next period)"),
  periodsAfterCrash: integerAtLeast(1).default(12)
    .describe("Periods the run goes on after the crash"),
});

/** Parameters of `swim-detection`, with defaults applied. */
export type SwimDetectionParams = z.output<typeof SwimDetectionParamsSchema>;

const DEFAULTS: SwimDetectionParams = SwimDetectionParamsSchema.parse({});

/** One `swim-detection` run. */
export type SwimDetectionRow = {
  /** Members in the group. */
  readonly n: number;
  /** Indirect probes per failed ping. */
  readonly k: number;
  /** Message loss probability. */
  readonly lossProbability: number;
  /** Periods from the crash until some member probes the crashed one (1 = within the first period), null if never. */
  readonly firstProbePeriods: number | null;
  /** Periods (fractional) from the crash to the first suspicion of the crashed member, null if never. */
  readonly detectionPeriods: number | null;
  /** Periods (fractional) from the crash to its first confirmation, null if never. */
  readonly confirmationPeriods: number | null;
  /** First-hand suspicions of members that were alive (a failed probe of a live member). */
  readonly falsePositives: number;
  /** Confirmations (by anyone) of members that were alive. */
  readonly falseConfirmations: number;
  /** Messages sent per member per period before the crash. */
  readonly messagesPerMemberPerPeriod: number;
};

/** A finished run, for a closer look. */
export interface SwimDetectionRun {
  /** The finished simulation. */
  readonly simulation: Simulation<SwimMessage>;
  /** The member that crashed. */
  readonly crashed: string;
  /** When it crashed, true time in ms. */
  readonly crashAtMs: number;
  /** The row. */
  readonly row: SwimDetectionRow;
}

/** Member names m0, m1, ... for a group of `n`. */
export function memberIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `m${i}`);
}

/**
 * Runs one `swim-detection` trial: the last member crashes at a moment uniform within
 * period `warmupPeriods + 1`; the run continues `periodsAfterCrash` periods more.
 *
 * @example
 * ```ts
 * simulateSwimDetection(swimDetection.parseParams({ n: 32 }), 1).row.firstProbePeriods;
 * ```
 */
export function simulateSwimDetection(
  params: SwimDetectionParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): SwimDetectionRun {
  const ids = memberIds(params.n);
  const crashed = ids.at(-1) as string;
  const simulation = new Simulation<SwimMessage>({
    seed,
    record: options.record ?? false,
    network: {
      latency: { kind: "uniform", minMs: 1, maxMs: 10 },
      lossProbability: params.lossProbability,
    },
    replay: replayCommand("swim-detection", seed, { params, defaults: DEFAULTS }),
  });
  const period = params.periodMs;
  const crashAtMs = (params.warmupPeriods + new Random(seed, "swim-crash-time").next()) * period;
  let firstProbeMs: number | null = null;
  let firstSuspectMs: number | null = null;
  let firstConfirmMs: number | null = null;
  let falsePositives = 0;
  let falseConfirmations = 0;
  const observer: SwimObserver = (event) => {
    const now = simulation.now;
    if (event.kind === "probe") {
      if (event.target === crashed && now >= crashAtMs) firstProbeMs ??= now;
      return;
    }
    if (event.kind === "refute") return;
    const dead = simulation.status(event.member) === "crashed";
    if (event.kind === "suspect") {
      if (dead && event.member === crashed) firstSuspectMs ??= now;
      if (!dead && event.firstHand) falsePositives++;
    } else {
      if (dead && event.member === crashed) firstConfirmMs ??= now;
      if (!dead) falseConfirmations++;
    }
  };
  simulation.addNodes(ids, (ctx) =>
    new SwimNode(ctx, {
      k: params.k,
      periodMs: period,
      pingTimeoutMs: params.pingTimeoutMs,
      suspicionTimeoutMs: params.suspicionPeriods * period,
      suspicion: params.suspicion,
      probeOrder: params.probeOrder,
      observer,
    }));
  let sendsAtCrash = 0;
  simulation.at(crashAtMs, (sim) => {
    sendsAtCrash = sim.stats.sends;
    sim.crash(crashed);
  });
  simulation.runUntil(crashAtMs + params.periodsAfterCrash * period);
  const periods = (value: number | null) => value === null ? null : (value - crashAtMs) / period;
  const row: SwimDetectionRow = {
    n: params.n,
    k: params.k,
    lossProbability: params.lossProbability,
    firstProbePeriods: firstProbeMs === null
      ? null
      : Math.ceil((firstProbeMs - crashAtMs) / period),
    detectionPeriods: periods(firstSuspectMs),
    confirmationPeriods: periods(firstConfirmMs),
    falsePositives,
    falseConfirmations,
    messagesPerMemberPerPeriod: sendsAtCrash / (params.n * (crashAtMs / period)),
  };
  return { simulation, crashed, crashAtMs, row };
}

/**
 * Messages each member sends per heartbeat period when every member heartbeats every
 * other one (the all-to-all scheme SWIM replaces): `n - 1`, counted on the simulator over
 * `periods` periods.
 */
export function allToAllHeartbeatLoad(n: number, periods = 5): number {
  const ids = memberIds(n);
  type Beat = { readonly type: "heartbeat" };
  const simulation = new Simulation<Beat>({ seed: 1, record: false });
  simulation.addNodes<"beat">(ids, (ctx) => {
    const beat = () => {
      for (const peer of ctx.peers) ctx.send(peer, { type: "heartbeat" });
      ctx.setTimer(1_000, "beat");
    };
    return { start: beat, onMessage: () => {}, onTimer: beat };
  });
  simulation.runUntil(periods * 1_000 - 1);
  return simulation.stats.sends / (n * periods);
}

/**
 * `swim-detection`: a SWIM group in which one member crashes; one row per seed with the
 * periods to first probe, suspicion and confirmation, false positives and message load.
 *
 * @example
 * ```ts
 * const [row] = swimDetection.run({ n: 32, lossProbability: 0.05 }, 1);
 * ```
 */
export const swimDetection = defineExperiment({
  name: "swim-detection",
  title: "SWIM: periods to detect a crash, false positives and load per member",
  description: "n SWIM members probe each other (ping, then ping-req through k members); " +
    "one crashes at a random moment. One row per seed: periods until the crashed member is " +
    "first probed, suspected and confirmed, suspicions of live members, and messages sent " +
    "per member per period.",
  chapter: "18_failure_detection",
  params: SwimDetectionParamsSchema,
  trial: (params, seed) => [simulateSwimDetection(params, seed).row],
});
