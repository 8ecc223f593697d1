/**
 * The `pbft` experiment: PBFT with some Byzantine replicas under a nemesis, one row per
 * seed with whether the correct replicas agreed, whether the clients' requests completed
 * after the faults ended, and the messages each request cost. Sweep `byzantine` past f
 * to watch agreement break, and `n` to watch messages per request grow as n².
 *
 * @module
 */
import { type PbftParamsSchema, type PbftRow, pbftTrial } from "../bft/trial.ts";
import type { Experiment } from "./experiment.ts";
import { trialExperiment } from "./trial_experiment.ts";

/**
 * `pbft`: n replicas, the first `byzantine` of them running `behavior` (silent,
 * equivocate, lie or replay), clients sending requests to the replicated ledger, a
 * nemesis pausing and isolating replicas over a lossy network. One row per run.
 *
 * @example
 * ```ts
 * import { sweepLines } from "../viz/charts.ts";
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(pbft, { grid: { n: [4, 7, 10], byzantine: [0] }, seeds: 5 });
 * sweepLines(rows, { x: "n", y: "messagesPerRequest" });
 * ```
 */
export const pbft: Experiment<typeof PbftParamsSchema, PbftRow> = trialExperiment(pbftTrial, {
  title: "PBFT with Byzantine replicas: agreement, liveness and messages per request",
  description: "n replicas run PBFT for clients of a replicated ledger; the first `byzantine` " +
    "replicas (the first primary among them) are silent, equivocate, lie or replay old " +
    "messages, while a nemesis pauses and isolates replicas over a lossy network. One row " +
    "per run: whether correct replicas agreed at every sequence number, whether every " +
    "client's requests completed after the faults ended, messages per request, mean " +
    "latency, the highest view reached and any broken invariant.",
  chapter: "07_pbft",
});
