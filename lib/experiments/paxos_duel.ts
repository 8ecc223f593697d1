/**
 * The `paxos-duel` experiment: duelling proposers. Paxos is safe whatever the proposers
 * do, but not live: two proposers can keep pre-empting each other, each one's prepare
 * arriving just before the other's accept, forever ("Paxos Made Simple", §2.4: "it's
 * easy to construct a scenario in which two proposers each keep issuing a sequence of
 * proposals with increasing numbers, none of which are ever chosen"). The cure the paper
 * gives is a distinguished proposer; the cheap mitigation is random waits before a retry.
 * This experiment measures how many rounds it takes to choose a value as the retry wait's
 * randomness grows, with no faults at all.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs } from "../config/mod.ts";
import { runPaxosTrial } from "../consensus/paxos_trial.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/** Zod schema of the `paxos-duel` parameters. */
export const PaxosDuelParamsSchema = z.strictObject({
  acceptors: integerAtLeast(1).default(3).describe("Acceptors (n1, n2, ...)"),
  proposers: integerAtLeast(1).default(3)
    .describe("Proposers, all starting at time 0 (1: a distinguished proposer)"),
  retryDelayMs: nonNegativeMs().default(0)
    .describe("Fixed wait before a proposer's next round, in ms"),
  retryJitterMs: nonNegativeMs().default(0)
    .describe("Plus a uniform random wait up to this, in ms"),
  roundTimeoutMs: positiveMs().default(100)
    .describe("A proposer abandons a round not finished in this long, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 4, maxMs: 6 })
    .describe("One-way network delay"),
  maxTimeMs: positiveMs().default(2000)
    .describe("Give up (undecided) after this long, in ms"),
}).refine((p) => p.proposers <= p.acceptors, {
  error: "must be at most acceptors (proposers are among the processes)",
  path: ["proposers"],
});

/** One trial of `paxos-duel`. */
export type PaxosDuelRow = {
  /** Proposers competing. */
  readonly proposers: number;
  /** The random part of the retry wait, in ms. */
  readonly retryJitterMs: number;
  /** Whether a value was chosen within `maxTimeMs`. */
  readonly decided: boolean;
  /** Rounds all proposers started until a value was chosen (null: none was). */
  readonly roundsToChoose: number | null;
  /** When the value was chosen, in ms (null: never). */
  readonly chosenMs: number | null;
};

/**
 * `paxos-duel`: proposers start together and retry after `retryDelayMs` plus up to
 * `retryJitterMs`; one row per run with the rounds it took to choose a value.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(paxosDuel, { grid: { retryJitterMs: [0, 2, 5, 10, 20] }, seeds: 50 });
 * ```
 */
export const paxosDuel: Experiment<typeof PaxosDuelParamsSchema, PaxosDuelRow> = defineExperiment({
  name: "paxos-duel",
  title: "Rounds to choose a value with duelling proposers, against the retry wait's jitter",
  description: "Proposers start at once over a fault-free network and pre-empt each " +
    "other; each abandoned round is retried after a fixed wait plus a uniform random one. " +
    "One row per run: whether a value was chosen in time, the rounds it took and when.",
  chapter: "06_paxos",
  params: PaxosDuelParamsSchema,
  trial: (p, seed) => {
    const trial = runPaxosTrial({
      acceptors: p.acceptors,
      proposers: p.proposers,
      proposerStartSpreadMs: 0,
      roundTimeoutMs: p.roundTimeoutMs,
      retryDelayMs: p.retryDelayMs,
      retryJitterMs: p.retryJitterMs,
      latency: p.latency,
      lossProbability: 0,
      duplicateProbability: 0,
      faultsPerSecond: 0,
      livenessBoundMs: p.maxTimeMs,
    }, seed);
    const decided = trial.row.chosenMs !== null && trial.row.chosenMs <= p.maxTimeMs;
    return [{
      proposers: p.proposers,
      retryJitterMs: p.retryJitterMs,
      decided,
      roundsToChoose: decided ? trial.row.roundsToChoose : null,
      chosenMs: decided ? trial.row.chosenMs : null,
    }];
  },
});
