/**
 * Single-decree Paxos under random faults, as a trial of the shared harness
 * (lib/testing): several proposers, each with its own value, start at random moments
 * while a nemesis crashes and restarts, pauses and partitions the processes over a
 * network that loses, duplicates and reorders messages. The two safety properties
 * ({@link PaxosSafety}) are named invariants checked after every event; once the last
 * fault has healed, every proposer must learn the chosen value within a bound.
 *
 * {@link paxosFaultSweep} runs it over many seeds; the `paxos` experiment is the same
 * trial.
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
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  defineTrial,
  faultSweep,
  type FaultSweepResult,
  type Invariant,
  invariant,
  nemesisFromParams,
  nemesisParams,
  runTrial,
  type Trial,
  type TrialFailure,
  type TrialResult,
} from "../testing/mod.ts";
import {
  PAXOS_UNSAFE_VARIANTS,
  type PaxosEvent,
  type PaxosMessage,
  PaxosNode,
  type PaxosTimer,
  type PromiseRule,
} from "./paxos.ts";
import { PAXOS_INVARIANTS, PaxosSafety } from "./paxos_invariants.ts";

/** Zod schema of the parameters of a single-decree Paxos trial (the `paxos` experiment). */
export const PaxosParamsSchema = z.strictObject({
  acceptors: integerAtLeast(1).default(5)
    .describe("Processes, every one an acceptor and a learner (n1, n2, ...)"),
  proposers: integerAtLeast(1).default(3)
    .describe("How many of them also propose a value of their own (v1, v2, ...)"),
  proposerStartSpreadMs: nonNegativeMs().default(100)
    .describe("Each proposer starts at a uniform random time up to this, in ms"),
  roundTimeoutMs: positiveMs().default(40)
    .describe("A proposer abandons a round not finished in this long, in ms"),
  retryDelayMs: nonNegativeMs().default(0)
    .describe("Fixed wait before a proposer's next round, in ms"),
  retryJitterMs: nonNegativeMs().default(20)
    .describe("Plus a uniform random wait up to this, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay (random delays reorder messages)"),
  lossProbability: probability().default(0.05).describe("Probability a message is lost"),
  duplicateProbability: probability().default(0.05)
    .describe("Probability a message is delivered twice"),
  ...nemesisParams({
    faultsPerSecond: 40,
    meanFaultDurationMs: 15,
    faultsUntilMs: 300,
    faultKinds: ["crash", "isolate", "partition", "pause"],
  }),
  livenessBoundMs: positiveMs().default(5000)
    .describe("After the faults end, every proposer must learn the value within this long, in ms"),
  unsafe: z.enum(["none", ...PAXOS_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant to run (none: correct Paxos)"),
}).refine((p) => p.proposers <= p.acceptors, {
  error: "must be at most acceptors (proposers are among the processes)",
  path: ["proposers"],
});

/** Parameters of a single-decree Paxos trial, with defaults applied. */
export type PaxosParams = z.output<typeof PaxosParamsSchema>;

/** What a user may write for {@link PaxosParams}: every field is optional. */
export type PaxosParamsInput = z.input<typeof PaxosParamsSchema>;

/** The default parameters. */
export const PAXOS_DEFAULTS: PaxosParams = parseConfig(PaxosParamsSchema, {}, "params");

/** One row of the `paxos` experiment: one trial. */
export type PaxosRow = {
  /** The broken variant run, or "none". */
  readonly unsafe: string;
  /** Whether a value was chosen. */
  readonly decided: boolean;
  /** The chosen value (as JSON), or null. */
  readonly value: string | null;
  /** Rounds (phase 1 attempts) all proposers started. */
  readonly rounds: number;
  /** Rounds started until a value was chosen, the one that chose it included (null: none chosen). */
  readonly roundsToChoose: number | null;
  /** When a majority first accepted one value, in ms (null: never). */
  readonly chosenMs: number | null;
  /** When the last proposer learned it, in ms (null: not all did). */
  readonly allLearnedMs: number | null;
  /** Faults the nemesis applied (their ends included). */
  readonly faults: number;
  /** How the trial failed ("kind: what broke"), or null. */
  readonly violation: string | null;
};

/** A single-decree Paxos run: the simulation, the safety checker and what was counted. */
export interface PaxosSystem {
  /** The simulation. */
  readonly simulation: Simulation<PaxosMessage<string>>;
  /** The processes (n1, n2, ...), every one an acceptor and a learner. */
  readonly nodes: readonly string[];
  /** The proposers among them. */
  readonly proposers: readonly string[];
  /** The safety checker, told of every acceptance and every learned value. */
  readonly safety: PaxosSafety;
  /** What the run counted so far. */
  readonly counts: {
    /** Rounds started by all proposers. */
    rounds: number;
    /** Rounds started when the value was chosen. */
    roundsToChoose: number | null;
    /** When the value was chosen, in ms. */
    chosenMs: number | null;
    /** When every proposer had learned it, in ms. */
    allLearnedMs: number | null;
  };
}

/** Options of {@link paxosTrial}: plug-ins that are not parameters. */
export interface PaxosTrialOptions {
  /** The acceptors' answer to prepares (an exercise's answer). */
  readonly promiseRule?: PromiseRule;
  /** Also told of every event. */
  readonly observer?: (event: PaxosEvent<string>) => void;
}

/** The two safety properties as the harness's named invariants. */
export const PAXOS_TRIAL_INVARIANTS: readonly Invariant<{ readonly safety: PaxosSafety }>[] =
  PAXOS_INVARIANTS.map((name) =>
    invariant(
      name,
      (system: { readonly safety: PaxosSafety }) => system.safety.firstViolation(name)?.message,
    )
  );

/**
 * The single-decree trial, with optional plug-ins.
 *
 * @example
 * ```ts
 * import { caughtWithin } from "../testing/mod.ts";
 * caughtWithin(paxosTrial(), 50, { params: { unsafe: "ignorePhase1Values" } }).invariant;
 * // "at most one value chosen per slot"
 * ```
 */
export function paxosTrial(
  options: PaxosTrialOptions = {},
): Trial<typeof PaxosParamsSchema, PaxosSystem, PaxosRow> {
  return defineTrial<typeof PaxosParamsSchema, PaxosSystem, PaxosRow>({
    name: "paxos",
    params: PaxosParamsSchema,
    build: ({ params: p, seed, record, replay }) => buildPaxos(p, seed, record, replay, options),
    nemesis: (system, { params: p }) => nemesisFromParams(p, system.nodes),
    invariants: PAXOS_TRIAL_INVARIANTS,
    liveness: {
      name: "every proposer learning the chosen value after the faults healed",
      withinMs: (p) => p.livenessBoundMs,
      holds: (system) => {
        const all = system.proposers.every((id) =>
          system.simulation.node<PaxosNode<string>>(id)?.hasLearned === true
        );
        if (all) system.counts.allLearnedMs ??= system.simulation.now;
        return all;
      },
      explain: (system) =>
        system.proposers.map((id) => {
          const node = system.simulation.node<PaxosNode<string>>(id);
          return `${id} ${node?.hasLearned ? `learned ${node.learned}` : "has not learned"}`;
        }).join(", "),
    },
    history: false,
    untilMs: (p) => p.proposerStartSpreadMs,
    row: ({ params: p, system, faults, failure }) => {
      const chosen = system.safety.chosen(0);
      return {
        unsafe: p.unsafe,
        decided: chosen !== undefined,
        value: chosen?.value ?? null,
        rounds: system.counts.rounds,
        roundsToChoose: system.counts.roundsToChoose,
        chosenMs: system.counts.chosenMs,
        allLearnedMs: failure === undefined ? system.counts.allLearnedMs : null,
        faults: faults.length,
        violation: describeViolation(failure),
      };
    },
  });
}

function buildPaxos(
  p: PaxosParams,
  seed: number,
  record: boolean,
  replay: string,
  options: PaxosTrialOptions,
): PaxosSystem {
  const nodes = Array.from({ length: p.acceptors }, (_, i) => `n${i + 1}`);
  const simulation = new Simulation<PaxosMessage<string>>({
    seed,
    record,
    replay,
    network: {
      latency: p.latency,
      lossProbability: p.lossProbability,
      duplicateProbability: p.duplicateProbability,
    },
  });
  const safety = new PaxosSafety({ acceptors: nodes.length, now: () => simulation.now });
  const system: PaxosSystem = {
    simulation,
    nodes,
    proposers: nodes.slice(0, p.proposers),
    safety,
    counts: { rounds: 0, roundsToChoose: null, chosenMs: null, allLearnedMs: null },
  };
  const counts = system.counts;
  const observer = (event: PaxosEvent<string>) => {
    switch (event.kind) {
      case "round":
        counts.rounds++;
        break;
      case "accept":
        safety.accepted(event.node, 0, event.ballot, event.value);
        if (counts.chosenMs === null && safety.chosen(0) !== undefined) {
          counts.chosenMs = simulation.now;
          counts.roundsToChoose = counts.rounds;
        }
        break;
      case "learn":
        safety.learned(event.node, 0, event.value);
        break;
      case "promise":
        break;
    }
    options.observer?.(event);
  };
  const starts = new Random(seed).child("proposer-starts");
  const startDelays = system.proposers.map(() =>
    p.proposerStartSpreadMs > 0 ? starts.uniform(0, p.proposerStartSpreadMs) : 0
  );
  const unsafe = p.unsafe === "none" ? {} : { [p.unsafe]: true };
  simulation.addNodes<PaxosTimer>(nodes, (ctx) => {
    const index = nodes.indexOf(ctx.id);
    return new PaxosNode<string>(ctx, {
      acceptors: nodes,
      // A restarted proposer starts again at once.
      ...(index < p.proposers
        ? { proposal: `v${index + 1}`, startDelayMs: ctx.incarnation > 1 ? 0 : startDelays[index]! }
        : {}),
      roundTimeoutMs: p.roundTimeoutMs,
      retryDelayMs: p.retryDelayMs,
      retryJitterMs: p.retryJitterMs,
      unsafe,
      observer,
      ...(options.promiseRule === undefined ? {} : { promiseRule: options.promiseRule }),
    });
  });
  return system;
}

/** A failure as a short row cell: "kind: what broke", or null. */
export function describeViolation(failure: TrialFailure | undefined): string | null {
  return failure === undefined ? null : `${failure.kind}: ${failure.invariant}`;
}

const DEFAULT_TRIAL = paxosTrial();

/** Options of {@link runPaxosTrial}. */
export interface RunPaxosTrialOptions extends PaxosTrialOptions {
  /** Keep the trace, to draw the run. Default false. */
  readonly record?: boolean;
}

/**
 * Runs one single-decree trial. Never throws for a protocol failure: it comes back in
 * `failure` (a bad parameter throws a ConfigError naming it).
 *
 * @example
 * ```ts
 * runPaxosTrial({}, 1).failure; // undefined
 * runPaxosTrial({ unsafe: "ignorePhase1Values" }, 2).failure?.invariant;
 * // "at most one value chosen per slot"
 * ```
 */
export function runPaxosTrial(
  params: PaxosParamsInput,
  seed: number,
  options: RunPaxosTrialOptions = {},
): TrialResult<PaxosSystem, PaxosParams, PaxosRow> {
  const { record, ...plugins } = options;
  const trial = Object.keys(plugins).length === 0 ? DEFAULT_TRIAL : paxosTrial(plugins);
  return runTrial(trial, params, seed, record === undefined ? {} : { record });
}

/**
 * Fault profiles of the single-decree sweep:
 *
 * - `mixed`: the `paxos` defaults: three proposers within 100 ms, crashes, pauses and
 *   partitions of about 15 ms, a lossy, duplicating, reordering network.
 * - `crash-storm`: three processes, crashes of about 4 ms at 150 a second, proposers
 *   retrying within 2 ms of each other, and a long-tailed network (log-normal, median 4
 *   ms): an acceptor often dies and comes back between promising a ballot and meeting a
 *   late message of a lower one, which is when forgetting the promise matters.
 */
export const PAXOS_FAULT_PROFILES: Readonly<Record<string, PaxosParamsInput>> = {
  mixed: {},
  "crash-storm": {
    acceptors: 3,
    proposers: 3,
    proposerStartSpreadMs: 30,
    retryJitterMs: 2,
    faultsPerSecond: 150,
    meanFaultDurationMs: 4,
    concurrentNodeFaults: 1,
    faultKinds: ["crash"],
    faultsUntilMs: 400,
    latency: { kind: "lognormal", medianMs: 4, sigma: 1 },
  },
};

/** Options of {@link paxosFaultSweep}. */
export interface PaxosSweepOptions extends PaxosTrialOptions {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /** Profiles to cycle through by seed. Default: the defaults alone. */
  readonly profiles?: Readonly<Record<string, PaxosParamsInput>> | readonly PaxosParamsInput[];
  /** Parameters on top of every profile. */
  readonly params?: PaxosParamsInput;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
}

/**
 * Runs the single-decree trial over many seeds; a failure names its seed and the line
 * that replays it.
 *
 * @example
 * ```ts
 * paxosFaultSweep({ seeds: 1000 }).failures.length; // 0
 * ```
 */
export function paxosFaultSweep(options: PaxosSweepOptions = {}): FaultSweepResult<PaxosRow> {
  const { seeds, firstSeed, profiles, params, stopAtFirstFailure, ...plugins } = options;
  const trial = Object.keys(plugins).length === 0 ? DEFAULT_TRIAL : paxosTrial(plugins);
  return faultSweep(trial, {
    stopAtFirstFailure: stopAtFirstFailure ?? true,
    ...(seeds === undefined ? {} : { seeds }),
    ...(firstSeed === undefined ? {} : { firstSeed }),
    ...(profiles === undefined ? {} : { profiles }),
    ...(params === undefined ? {} : { params }),
  });
}
