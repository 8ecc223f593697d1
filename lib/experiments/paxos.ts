/**
 * The `paxos` and `multi-paxos-kv` experiments: the Paxos fault trials, one row per
 * seed, so a failure's replay line (`deno task exp run paxos --seed N ...`) runs it again.
 *
 * @module
 */
import {
  type MultiPaxosKvParamsSchema,
  type MultiPaxosKvRow,
  multiPaxosKvTrial,
} from "../consensus/multi_paxos_trial.ts";
import { type PaxosParamsSchema, type PaxosRow, paxosTrial } from "../consensus/paxos_trial.ts";
import type { Experiment } from "./experiment.ts";
import { trialExperiment } from "./trial_experiment.ts";

/**
 * `paxos`: single-decree Paxos with several proposers under crashes, pauses and
 * partitions; one row per run with whether and when a value was chosen, the rounds it
 * took, and any broken property.
 *
 * @example
 * ```ts
 * paxos.run({ unsafe: "ignorePhase1Values" }, 2)[0]?.violation;
 * // "safety: at most one value chosen per slot"
 * ```
 */
export const paxos: Experiment<typeof PaxosParamsSchema, PaxosRow> = trialExperiment(
  paxosTrial(),
  {
    title: "Single-decree Paxos under faults: one value chosen, never changed",
    description: "Proposers with values of their own start at random moments while a " +
      "nemesis crashes, pauses and partitions the processes over a lossy, duplicating " +
      "network. One row per run: whether a value was chosen, when, in how many rounds, " +
      "and which safety property broke, if any (set unsafe to run a broken variant).",
    chapter: "06_paxos",
  },
);

/**
 * `multi-paxos-kv`: the key-value store replicated by Multi-Paxos under the faults of
 * `raft-kv`; one row per run with the clients' outcomes and the linearizability verdict.
 *
 * @example
 * ```ts
 * multiPaxosKv.run({}, 1)[0]?.linearizable; // true
 * ```
 */
export const multiPaxosKv: Experiment<typeof MultiPaxosKvParamsSchema, MultiPaxosKvRow> =
  trialExperiment(multiPaxosKvTrial, {
    title: "The Multi-Paxos key-value store under faults",
    description: "Clients read, write and cas keys of a Multi-Paxos cluster while a nemesis " +
      "partitions, crashes, pauses and skews servers (aiming at the leader half the time). " +
      "One row per run: operations completed, latency, slots chosen, leaderships, any " +
      "broken property, and whether the history is linearizable.",
    chapter: "06_paxos",
  });
