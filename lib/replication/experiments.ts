/**
 * The replication experiments: `pbs`, Probabilistically Bounded Staleness measured on the
 * quorum store in the simulator with the WARS delays of Bailis et al. (PVLDB 2012); and
 * `failover-loss`, acknowledged writes lost when a primary fails over.
 *
 * @module
 */
import { defineExperiment, type Experiment } from "../experiments/experiment.ts";
import { PbsParamsSchema, type PbsRow, runPbsTrials } from "./pbs.ts";
import { FailoverParamsSchema, type FailoverRow, runFailover } from "./primary_backup.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import {
  MULTI_LEADER_TRIAL,
  type MultiLeaderParamsSchema,
  type MultiLeaderRow,
} from "./multi_leader.ts";
import { QUORUM_TRIAL, type QuorumTrialParamsSchema, type QuorumTrialRow } from "./quorum_trial.ts";

/**
 * `pbs`: per seed, `trials` writes each followed, `tMs` after it commits, by a read of
 * the same key, on N replicas whose links draw the profile's W, A, R and S delays. One
 * row per seed: the fraction of consistent reads and the latency percentiles.
 *
 * @example
 * ```ts
 * pbs.run({ profile: "lnkd-disk", tMs: 10, trials: 20_000 }, 1)[0]!.pConsistent; // ≈ 0.925
 * ```
 */
export const pbs: Experiment<typeof PbsParamsSchema, PbsRow> = defineExperiment({
  name: "pbs",
  title: "Probability of a consistent read t ms after a write commits (PBS, WARS model)",
  description: "Runs write-then-read trials on the leaderless quorum store in the " +
    "simulator, with the one-way delays of Bailis et al. (PVLDB 2012): W to replicas, A " +
    "back, R to replicas, S back, per profile (LinkedIn SSD and disk, Yammer, or " +
    "exponential). A read starts tMs after its write has W acknowledgements and is " +
    "consistent if one of its first R replies has the write. One row per seed.",
  chapter: "08_replication",
  params: PbsParamsSchema,
  trial: (params, seed) => [runPbsTrials(params, seed)],
});

/**
 * `failover-loss`: clients write to a primary with backups; the primary crashes and the
 * backup with the longest log is promoted. One row per run: writes acknowledged before
 * the crash and how many of them the new primary lacks. Synchronous replication loses
 * none; asynchronous loses more the further the backups lag.
 *
 * @example
 * ```ts
 * import { sweep } from "../experiments/sweep.ts";
 *
 * sweep(failoverLoss, { grid: { replicationLagMs: [0, 10, 50] }, seeds: 20 });
 * ```
 */
export const failoverLoss: Experiment<typeof FailoverParamsSchema, FailoverRow> = defineExperiment({
  name: "failover-loss",
  title: "Acknowledged writes lost when a primary fails over to a lagging backup",
  description: "Clients write to a primary that replicates to its backups synchronously " +
    "or asynchronously, with a chosen mean replication delay. The primary crashes at " +
    "crashAtMs and the backup with the longest log is promoted detectMs later. One row " +
    "per run: writes acknowledged before the crash, those the new primary lacks, and " +
    "the median write latency.",
  chapter: "08_replication",
  params: FailoverParamsSchema,
  trial: (params, seed) => [runFailover(params, seed).row],
});

/**
 * `quorum-kv`: the quorum store's fault trial (see `quorumTrial`) as an experiment, one row
 * per seed: operations done, the history's verdict and any broken invariant. What a
 * failed sweep's replay line runs.
 *
 * @example
 * ```ts
 * quorumKv.run({ writeBack: false, keys: 1, clients: 5 }, 1)[0]!.violation;
 * // null here: on the default fast network no read overlaps a write; with a slow path
 * // (see quorumTrial's example) some seeds give "history: linearizability"
 * ```
 */
export const quorumKv: Experiment<typeof QuorumTrialParamsSchema, QuorumTrialRow> = trialExperiment(
  QUORUM_TRIAL,
  {
    title: "The Dynamo-style quorum store under faults: durability, convergence, linearizability",
    description: "Clients read and write keys of a leaderless store (N, W, R, versions by " +
      "timestamp or vector, read repair, sloppy quorums, anti-entropy, ABD write-back) " +
      "while replicas crash, pause and are partitioned. One row per seed: operations ok " +
      "and unknown, the linearizability verdict when quorums intersect, and any broken " +
      "invariant (durability, monotonic, convergence).",
    chapter: "08_replication",
  },
);

/**
 * `multi-leader`: two (or more) leaders accepting writes while partitions come and go
 * between them; one row per seed with the writes acknowledged, the conflicts detected,
 * the acknowledged writes last writer wins dropped, and whether the leaders converged.
 *
 * @example
 * ```ts
 * multiLeader.run({ resolution: "lww" }, 1)[0]!.lostWrites; // > 0 once writes conflict
 * ```
 */
export const multiLeader: Experiment<typeof MultiLeaderParamsSchema, MultiLeaderRow> =
  trialExperiment(MULTI_LEADER_TRIAL, {
    title: "Conflicts between leaders: detected by version vectors, resolved by LWW or siblings",
    description: "Clients write at every leader; leaders replicate to each other in the " +
      "background while partitions come and go. One row per seed: writes acknowledged, " +
      "conflicts detected, acknowledged writes dropped by last writer wins, keys left " +
      "with siblings, and whether the leaders converged after the heal.",
    chapter: "08_replication",
  });
