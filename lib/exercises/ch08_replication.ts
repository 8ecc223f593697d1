/**
 * Exercises of chapter 08 (replication and quorums) with their self-checks:
 *
 * 1. **Choose R and W** ({@link checkQuorumChoice}): for Yammer's Riak delays (the PBS
 *    paper's YMMR profile) and N = 3, pick the read and write quorum sizes that meet a
 *    latency budget and a staleness bound. The check measures the answer with the WARS
 *    Monte Carlo and says which requirement it misses, by how much.
 *
 * 2. **The read-repair rule** ({@link checkRepairRule}): write what a replica stores when
 *    a read repair arrives. The check tries it on a table of cases, then plugs it into
 *    every replica of the quorum store and runs the fault sweep.
 *
 * @module
 */
import type { Row } from "../experiments/experiment.ts";
import { formatSiblings, mergeSiblings, type Versioned } from "../replication/versions.ts";
import { warsMonteCarlo, warsProfile } from "../replication/pbs.ts";
import type { RepairRule } from "../replication/quorum.ts";
import { quorumSweep } from "../replication/quorum_trial.ts";
import { Random } from "../sim/random.ts";
import { ExerciseResult } from "./result.ts";

// ---- Exercise 1: choose R and W ----------------------------------------------------------

/** The requirements of exercise 1. */
export const QUORUM_CHOICE_TASK = {
  profile: "ymmr",
  n: 3,
  /** Reads and writes must each finish within this, at the 99.9th percentile (ms). */
  latencyBudgetMs: 50,
  /** ... and a read started this long after a write commits ... (ms) */
  tMs: 5,
  /** ... must return it with at least this probability. */
  minConsistent: 0.99,
} as const;

/** Trials of the Monte Carlo behind the check. */
const CHOICE_TRIALS = 100_000;

/**
 * Checks an answer to exercise 1: measures read and write latency (99.9th percentile) and
 * P(consistent read at t = 5 ms) for YMMR, N = 3 and the given R and W, against the
 * requirements of {@link QUORUM_CHOICE_TASK}.
 *
 * @example
 * ```ts
 * checkQuorumChoice({ r: 3, w: 1 }); // ✗ reads take 222 ms at the 99.9th percentile
 * ```
 */
export function checkQuorumChoice(answer: { r: number; w: number }): ExerciseResult {
  const title = "Choose R and W for YMMR (N = 3)";
  const { n, latencyBudgetMs, tMs, minConsistent } = QUORUM_CHOICE_TASK;
  const { r, w } = answer;
  if (![r, w].every((x) => Number.isInteger(x) && x >= 1 && x <= n)) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`R and W must be whole numbers from 1 to N = ${n}, got R = ${r}, W = ${w}`],
    });
  }
  const result = warsMonteCarlo(
    warsProfile("ymmr"),
    { n, r, w, trials: CHOICE_TRIALS },
    new Random(8).child("exercise"),
  );
  const readMs = result.readLatency(0.999), writeMs = result.writeLatency(0.999);
  const p = result.pConsistent(tMs);
  const row: Row = { r, w, readP999Ms: readMs, writeP999Ms: writeMs, pConsistent: p };
  const details: string[] = [];
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  details.push(
    readMs <= latencyBudgetMs
      ? `reads: ${ms(readMs)} at the 99.9th percentile, within ${latencyBudgetMs} ms`
      : `reads take ${
        ms(readMs)
      } at the 99.9th percentile, over the ${latencyBudgetMs} ms budget: ` +
        "waiting for more replicas waits for the slowest of them",
    writeMs <= latencyBudgetMs
      ? `writes: ${ms(writeMs)} at the 99.9th percentile, within ${latencyBudgetMs} ms`
      : `writes take ${
        ms(writeMs)
      } at the 99.9th percentile, over the ${latencyBudgetMs} ms budget: ` +
        "YMMR's write delay has a long exponential tail (mean 357 ms)",
    p >= minConsistent
      ? `P(consistent read ${tMs} ms after commit) = ${(100 * p).toFixed(2)}% ≥ ${
        100 * minConsistent
      }%`
      : `only ${(100 * p).toFixed(2)}% of reads ${tMs} ms after commit are consistent; ` +
        `${100 * minConsistent}% are required`,
  );
  const passed = readMs <= latencyBudgetMs && writeMs <= latencyBudgetMs && p >= minConsistent;
  if (passed && r + w <= n) {
    details.push(
      `R + W = ${r + w} ≤ N: quorums need not intersect, yet the staleness bound holds; ` +
        "PBS's point",
    );
  }
  return new ExerciseResult({ passed, title, details, rows: [row] });
}

// ---- Exercise 2: the read-repair rule ---------------------------------------------------

/** The reference answer: keep every version that nothing supersedes (merge). */
export function referenceRepairRule(
  current: readonly Versioned[],
  incoming: readonly Versioned[],
): readonly Versioned[] {
  return mergeSiblings(current, incoming, "timestamp");
}

/** A tempting wrong answer: a repair carries the newest value, so store it. */
export function wrongRepairRule(
  _current: readonly Versioned[],
  incoming: readonly Versioned[],
): readonly Versioned[] {
  return incoming;
}

const v = (value: number, ts: number): Versioned => ({ value, ts, writer: "c1", vv: {} });

const REPAIR_CASES: readonly {
  current: Versioned[];
  incoming: Versioned[];
  expect: number | null;
  why: string;
}[] = [
  { current: [], incoming: [v(1, 1)], expect: 1, why: "an empty replica takes the repair" },
  { current: [v(1, 1)], incoming: [v(2, 2)], expect: 2, why: "a newer version replaces an older" },
  {
    current: [v(3, 3)],
    incoming: [v(2, 2)],
    expect: 3,
    why: "a write newer than the repair arrived meanwhile: keep it",
  },
  { current: [v(2, 2)], incoming: [v(2, 2)], expect: 2, why: "the same version: nothing changes" },
];

/**
 * Checks an answer to exercise 2: the rule on a table of cases, then in every replica of
 * the quorum store (read repair on, a network with a slow path so repairs arrive late)
 * over `seeds` seeds of the fault sweep, whose invariants catch a replica going back in
 * time or an acknowledged write falling below W copies.
 *
 * @example
 * ```ts
 * checkRepairRule((current, incoming) => incoming); // ✗ the newer write is overwritten
 * ```
 */
export function checkRepairRule(
  rule: RepairRule,
  options: { seeds?: number } = {},
): ExerciseResult {
  const title = "The read-repair rule";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["the answer must be a function (current, incoming) => versions"],
    });
  }
  for (const c of REPAIR_CASES) {
    let got: readonly Versioned[];
    try {
      got = rule(c.current, c.incoming);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`the rule threw ${error instanceof Error ? error.message : String(error)}`],
      });
    }
    const newest = got.reduce<Versioned | undefined>(
      (a, b) => (a === undefined || b.ts > a.ts ? b : a),
      undefined,
    );
    if ((newest?.value ?? null) !== c.expect) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `holding ${formatSiblings(c.current)}, repaired with ${formatSiblings(c.incoming)}, ` +
          `the rule stores ${formatSiblings(got)}; expected the value ${c.expect}: ${c.why}`,
        ],
        counterexample: { current: c.current, incoming: c.incoming, got },
      });
    }
  }
  const seeds = options.seeds ?? 200;
  const sweep = quorumSweep({
    readRepair: true,
    latency: {
      kind: "mixture",
      components: [
        { weight: 0.9, distribution: { kind: "uniform", minMs: 1, maxMs: 5 } },
        { weight: 0.1, distribution: { kind: "uniform", minMs: 20, maxMs: 60 } },
      ],
    },
  }, { seeds, repairRule: rule });
  const failure = sweep.failures[0];
  if (failure !== undefined) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `the table of cases passes, but the fault sweep broke at seed ${failure.seed}:`,
        failure.message.split("\n")[0]!,
      ],
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `all ${REPAIR_CASES.length} cases right`,
      `${sweep.trials} seeds of the fault sweep with read repair: no replica went back in ` +
      "time and every acknowledged write kept W copies",
    ],
  });
}
