/**
 * Single-decree Paxos under random faults: several proposers, each with its own value,
 * start at random moments, while a nemesis crashes and restarts, pauses and partitions
 * the processes over a network that loses, duplicates and reorders messages. The two
 * safety properties ({@link PaxosSafety}) are checked after every event; once the last
 * fault has healed, every proposer must learn the chosen value within a bound.
 *
 * {@link paxosFaultSweep} runs trials over many seeds; the `paxos` experiment is the
 * same trial.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import { replayCommand } from "../experiments/cli_args.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { SimulationError } from "../sim/errors.ts";
import type { Fault } from "../sim/faults.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  PAXOS_UNSAFE_VARIANTS,
  type PaxosEvent,
  type PaxosMessage,
  PaxosNode,
  type PaxosTimer,
  type PromiseRule,
} from "./paxos.ts";
import { PaxosSafety } from "./paxos_invariants.ts";
import { scheduleNemesis } from "./paxos_nemesis.ts";
import { planRaftNemesis } from "./raft_nemesis.ts";

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
  faultsPerSecond: nonNegativeNumber().default(40)
    .describe("Mean rate at which faults start, over all fault timelines (0: no faults)"),
  meanFaultDurationMs: positiveMs().default(15)
    .describe("Mean duration of a fault (partition, crash, pause), in ms"),
  faultsUntilMs: positiveMs().default(300)
    .describe("Every fault has healed by this time, in ms; liveness is checked after it"),
  concurrentServerFaults: integerAtLeast(1).default(2)
    .describe("How many crash/pause faults may overlap (each runs its own timeline)"),
  faultKinds: z.array(z.enum(["partition", "isolate", "partition-one-way", "crash", "pause"]))
    .min(1, { error: "must list at least one kind" })
    .default(["crash", "isolate", "partition", "pause"])
    .describe("Faults the nemesis draws from"),
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

/** How a Paxos trial failed (single-decree or Multi-Paxos). */
export interface PaxosTrialFailure {
  /** The trial's seed. */
  readonly seed: number;
  /**
   * `safety` (a property broke during the run), `liveness` (no progress in time after
   * the faults healed), `linearizability` (Multi-Paxos: the history is not
   * linearizable), `node-exception` or `bound-exceeded` (the run itself failed).
   */
  readonly kind: "safety" | "liveness" | "linearizability" | "node-exception" | "bound-exceeded";
  /** For `safety`, the property that broke. */
  readonly invariant: string | undefined;
  /** What happened, in words. */
  readonly message: string;
  /** When, in virtual ms. */
  readonly timeMs: number | undefined;
  /** The command that replays the trial. */
  readonly replay: string;
}

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
  /** How the trial failed (kind: property), or null. */
  readonly violation: string | null;
};

/** Options of {@link runPaxosTrial} that are not experiment parameters. */
export interface PaxosTrialOptions {
  /** Keep the trace, to draw the run. Default false. */
  readonly record?: boolean;
  /** The acceptors' answer to prepares (an exercise's answer). */
  readonly promiseRule?: PromiseRule;
  /** The replay line of a failure. Default: the `paxos` command for this seed and these parameters. */
  readonly replay?: string;
  /** Also told of every event. */
  readonly observer?: (event: PaxosEvent<string>) => void;
}

/** A finished single-decree trial. */
export interface PaxosTrialResult {
  /** The seed. */
  readonly seed: number;
  /** The parameters, with defaults applied. */
  readonly params: PaxosParams;
  /** The simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<PaxosMessage<string>>;
  /** The safety checker, with the chosen value. */
  readonly safety: PaxosSafety;
  /** The faults applied, in order. */
  readonly faults: readonly Fault[];
  /** How the trial failed, or undefined. */
  readonly failure: PaxosTrialFailure | undefined;
  /** The experiment's row. */
  readonly row: PaxosRow;
}

/**
 * Runs one single-decree trial. Never throws for a protocol failure: it comes back in
 * `failure` (a bad parameter throws a ConfigError naming it).
 *
 * @example
 * ```ts
 * runPaxosTrial({}, 1).failure; // undefined
 * runPaxosTrial({ unsafe: "ignorePhase1Values" }, 3).failure?.invariant;
 * // "at most one value chosen per slot", for many seeds
 * ```
 */
export function runPaxosTrial(
  params: PaxosParamsInput,
  seed: number,
  options: PaxosTrialOptions = {},
): PaxosTrialResult {
  const p = parseConfig(PaxosParamsSchema, params, "params");
  const replay = options.replay ??
    replayCommand("paxos", seed, { params: p, defaults: PAXOS_DEFAULTS });
  const nodes = Array.from({ length: p.acceptors }, (_, i) => `n${i + 1}`);
  const simulation = new Simulation<PaxosMessage<string>>({
    seed,
    record: options.record ?? false,
    replay,
    network: {
      latency: p.latency,
      lossProbability: p.lossProbability,
      duplicateProbability: p.duplicateProbability,
    },
  });
  const safety = new PaxosSafety({ acceptors: nodes.length });
  safety.attach(simulation);
  let rounds = 0;
  let chosenMs: number | null = null;
  let roundsToChoose: number | null = null;
  const learnedAt = new Map<string, number>();
  const observer = (event: PaxosEvent<string>) => {
    switch (event.kind) {
      case "round":
        rounds++;
        break;
      case "accept":
        safety.accepted(event.node, 0, event.ballot, event.value);
        if (chosenMs === null && safety.chosen(0) !== undefined) {
          chosenMs = simulation.now;
          roundsToChoose = rounds;
        }
        break;
      case "learn":
        safety.learned(event.node, 0, event.value);
        if (!learnedAt.has(event.node)) learnedAt.set(event.node, simulation.now);
        break;
      case "promise":
        break;
    }
    options.observer?.(event);
  };
  const starts = new Random(seed).child("proposer-starts");
  const startDelays = nodes.slice(0, p.proposers).map(() =>
    p.proposerStartSpreadMs > 0 ? starts.uniform(0, p.proposerStartSpreadMs) : 0
  );
  const unsafe = p.unsafe === "none" ? {} : { [p.unsafe]: true };
  simulation.addNodes<PaxosTimer>(nodes, (ctx) => {
    const index = nodes.indexOf(ctx.id);
    const proposer = index < p.proposers;
    return new PaxosNode<string>(ctx, {
      acceptors: nodes,
      ...(proposer ? { proposal: `v${index + 1}`, startDelayMs: startDelays[index]! } : {}),
      // A restarted proposer starts again at once.
      ...(ctx.incarnation > 1 ? { startDelayMs: 0 } : {}),
      roundTimeoutMs: p.roundTimeoutMs,
      retryDelayMs: p.retryDelayMs,
      retryJitterMs: p.retryJitterMs,
      unsafe,
      observer,
      ...(options.promiseRule === undefined ? {} : { promiseRule: options.promiseRule }),
    });
  });
  const steps = p.faultsPerSecond > 0 && nodes.length >= 2
    ? planRaftNemesis({
      endMs: p.faultsUntilMs,
      meanGapMs: nemesisProcesses(p) * 1000 / p.faultsPerSecond,
      serverProcesses: p.concurrentServerFaults,
      meanDurationMs: p.meanFaultDurationMs,
      kinds: p.faultKinds,
    }, new Random(seed).child("nemesis"))
    : [];
  const faults = scheduleNemesis(
    simulation,
    nodes,
    steps,
    new Random(seed).child("nemesis-targets"),
  );
  const proposers = nodes.slice(0, p.proposers);
  const healedMs = steps.reduce((latest, step) => Math.max(latest, step.endMs), 0);
  let failure: PaxosTrialFailure | undefined;
  let allLearnedMs: number | null = null;
  try {
    simulation.runUntil(Math.max(healedMs, p.proposerStartSpreadMs));
    // Liveness: with the faults over, every proposer learns the chosen value.
    allLearnedMs = simulation.runUntilTrue(
      () => proposers.every((id) => simulation.node<PaxosNode<string>>(id)?.hasLearned === true),
      {
        withinMs: p.livenessBoundMs,
        description: "every proposer learning the chosen value after the faults healed",
        explain: () =>
          proposers.map((id) => {
            const node = simulation.node<PaxosNode<string>>(id);
            return `${id} ${node?.hasLearned ? `learned ${node.learned}` : "has not learned"}`;
          }).join(", "),
      },
    );
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const invariant = /^Invariant "([^"]+)" broken/.exec(error.message)?.[1];
    failure = {
      seed,
      kind: error.kind,
      invariant,
      message: error.message,
      timeMs: error.timeMs,
      replay,
    };
  }
  const chosen = safety.chosen(0);
  return {
    seed,
    params: p,
    simulation,
    safety,
    faults,
    failure,
    row: {
      unsafe: p.unsafe,
      decided: chosen !== undefined,
      value: chosen?.value ?? null,
      rounds,
      roundsToChoose,
      chosenMs,
      allLearnedMs: failure === undefined ? allLearnedMs : null,
      faults: faults.length,
      violation: describeViolation(failure),
    },
  };
}

/** A failure as a short row cell: "kind: property", the kind alone, or null. */
export function describeViolation(failure: PaxosTrialFailure | undefined): string | null {
  if (failure === undefined) return null;
  return failure.invariant === undefined ? failure.kind : `${failure.kind}: ${failure.invariant}`;
}

/** How many fault timelines run at once (the network's, if it has kinds, plus the servers'), to spread a fault rate over them. */
export function nemesisProcesses(
  p: { readonly faultKinds: readonly string[]; readonly concurrentServerFaults: number },
): number {
  const network = p.faultKinds.some((k) =>
    k === "partition" || k === "isolate" || k === "partition-one-way"
  );
  const server = p.faultKinds.some((k) => k === "crash" || k === "pause" || k === "clock-jump");
  return (network ? 1 : 0) + (server ? p.concurrentServerFaults : 0);
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
    concurrentServerFaults: 1,
    faultKinds: ["crash"],
    faultsUntilMs: 400,
    latency: { kind: "lognormal", medianMs: 4, sigma: 1 },
  },
};

/** Options of {@link paxosFaultSweep}. */
export interface PaxosSweepOptions {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /** The trials' parameters. Default: the `paxos` defaults. */
  readonly params?: PaxosParamsInput;
  /** The acceptors' answer to prepares (an exercise's answer). */
  readonly promiseRule?: PromiseRule;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
}

/** What a Paxos sweep found (single-decree or Multi-Paxos). */
export interface PaxosSweepResult<R> {
  /** Trials run. */
  readonly trials: number;
  /** Every failure, in seed order (at most one with `stopAtFirstFailure`). */
  readonly failures: readonly PaxosTrialFailure[];
  /** One row per trial. */
  readonly rows: readonly (R & { readonly seed: number })[];
}

/**
 * Runs {@link runPaxosTrial} over many seeds; a failure names its seed and the line that
 * replays it.
 *
 * @example
 * ```ts
 * paxosFaultSweep({ seeds: 1000 }).failures.length; // 0
 * paxosFaultSweep({ params: { unsafe: "forgetPromise" } }).failures[0]?.seed;
 * ```
 */
export function paxosFaultSweep(options: PaxosSweepOptions = {}): PaxosSweepResult<PaxosRow> {
  const seeds = seedsOf(options.seeds, options.firstSeed);
  const params = parseConfig(PaxosParamsSchema, options.params ?? {}, "params");
  const stop = options.stopAtFirstFailure ?? true;
  const failures: PaxosTrialFailure[] = [];
  const rows: (PaxosRow & { readonly seed: number })[] = [];
  for (const seed of seeds) {
    const result = runPaxosTrial(params, seed, {
      ...(options.promiseRule === undefined ? {} : { promiseRule: options.promiseRule }),
    });
    rows.push({ seed, ...result.row });
    if (result.failure !== undefined) {
      failures.push(result.failure);
      if (stop) break;
    }
  }
  return { trials: rows.length, failures, rows };
}

/** The seeds of a sweep: a count from `first` (default 1), or the list itself. */
export function seedsOf(seeds: number | readonly number[] | undefined, first = 1): number[] {
  if (typeof seeds === "object") return [...seeds];
  const count = seeds ?? 100;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot run a sweep: seeds must be a whole number at least 0, got ${count}`,
    );
  }
  return Array.from({ length: count }, (_, i) => first + i);
}

/** A failure in a few lines: kind, seed, time, the message's first line and the replay. */
export function describePaxosFailure(failure: PaxosTrialFailure): string {
  const what = failure.invariant === undefined
    ? failure.kind
    : `${failure.kind} (${failure.invariant})`;
  const at = failure.timeMs === undefined ? "" : ` at ${failure.timeMs.toFixed(3)} ms`;
  const first = failure.message.split("\n")[0];
  return `${what}, seed ${failure.seed}${at}: ${first}\n  replay: ${failure.replay}`;
}
