/**
 * Exercises of chapter 07 (PBFT) with their self-checks:
 *
 * 1. **The smallest n for two equivocators** ({@link checkSmallestN}): how many replicas
 *    keep agreement when two of them are Byzantine, an equivocating primary and its
 *    accomplice? Checked by sweeps at the answer and one below it.
 * 2. **Write the prepared predicate** ({@link checkPreparedPredicate}): given a slot's
 *    pre-prepare and the prepares a replica holds, is the request prepared? Checked
 *    against the paper's rule on generated slots, then plugged into every correct
 *    replica of a fault sweep with Byzantine replicas.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { type PbftRow, pbftTrialWith } from "../bft/trial.ts";
import type { Prepare, PrePrepare } from "../bft/messages.ts";
import { isPrepared, type PreparedInput, type PreparedRule } from "../bft/replica.ts";
import { Random } from "../sim/random.ts";
import { faultSweep } from "../testing/mod.ts";
import { ExerciseResult } from "./result.ts";

// ---- Exercise 1: the smallest n ---------------------------------------------------------

/** Options of {@link checkSmallestN}. */
export interface SmallestNCheckOptions {
  /** Seeds per cluster size. Default 20. */
  readonly seeds?: number;
}

/** How a sweep of one cluster size went. */
interface SizeVerdict {
  readonly n: number;
  readonly trials: number;
  readonly broken: number;
  readonly first: string | undefined;
}

function sweepSize(n: number, seeds: number): SizeVerdict {
  const result = faultSweep(pbftTrialWith(), {
    seeds,
    params: {
      n,
      byzantine: 2,
      behavior: "equivocate",
      requestsPerClient: 3,
      faultsPerSecond: 0,
      lossProbability: 0,
    },
    excerpt: false,
  });
  const first = result.failures[0];
  return {
    n,
    trials: result.trials,
    broken: result.failures.length,
    first: first === undefined ? undefined : `seed ${first.seed}: ${first.message}`,
  };
}

/**
 * Checks the smallest n that keeps agreement and liveness with two Byzantine replicas
 * (an equivocating primary and an accomplice that backs both sides): a sweep at `n`
 * must find no violation, and a sweep at `n − 1` must find one.
 *
 * @example
 * ```ts
 * checkSmallestN(5).passed; // false: two equivocators split five replicas
 * ```
 */
export function checkSmallestN(n: number, options: SmallestNCheckOptions = {}): ExerciseResult {
  const title = "The smallest n that survives two equivocating replicas";
  if (!Number.isInteger(n) || n < 3 || n > 13) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`Expected a whole number of replicas from 3 to 13, got ${n}.`],
    });
  }
  const seeds = options.seeds ?? 20;
  const at = sweepSize(n, seeds);
  const below = sweepSize(n - 1, seeds);
  const rows = [at, below].map((v) => ({ n: v.n, trials: v.trials, violations: v.broken }));
  if (at.broken > 0) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `With n = ${n}, ${at.broken} of ${at.trials} runs failed; the first, ${at.first}.`,
        "Two quorums must meet in a correct replica even when two replicas lie: how big must each quorum be, and how many replicas does that take?",
      ],
      rows,
    });
  }
  if (below.broken === 0) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `n = ${n} survives, but so does n = ${n - 1} (${below.trials} runs, no violation): ` +
        "it is not the smallest.",
      ],
      rows,
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `n = ${n}: ${at.trials} runs, no violation. n = ${n - 1}: ${below.broken} of ` +
      `${below.trials} runs broke; the first, ${below.first}.`,
      "n = 3f + 1 with f = 2: quorums of 2f + 1 = 5 meet in 2f + 1 − f = 3 replicas, " +
      "at least one of them correct.",
    ],
    rows,
  });
}

// ---- Exercise 2: the prepared predicate -------------------------------------------------

/** Options of {@link checkPreparedPredicate}. */
export interface PreparedCheckOptions {
  /** Generated slots to compare with the paper's rule. Default 2,000. */
  readonly cases?: number;
  /** Seeds of the fault sweep. Default 24. */
  readonly seeds?: number;
}

/** The reference answer: the paper's predicate with 2f matching prepares. */
export const referencePrepared: PreparedRule = (input: PreparedInput): boolean =>
  isPrepared(input.prePrepare, input.prepares, 2 * input.f, input.primary);

const REPLICAS = ["r0", "r1", "r2", "r3", "r4", "r5", "r6"];

/** A random slot: a pre-prepare (or none) and prepares, some not matching. */
function randomSlot(random: Random): PreparedInput {
  const n = random.next() < 0.5 ? 4 : 7;
  const f = Math.floor((n - 1) / 3);
  const view = random.int(0, 3);
  const seq = random.int(1, 4);
  const primary = REPLICAS[view % n]!;
  const digest = random.pick(["a", "b"]);
  const prePrepare = random.next() < 0.1 ? undefined : {
    type: "PrePrepare",
    view,
    seq,
    digest,
    request: null,
    from: primary,
    sig: { by: primary, mac: "" },
  } as PrePrepare;
  const prepares: Prepare[] = [];
  for (const from of REPLICAS.slice(0, n)) {
    if (random.next() < 0.35) continue;
    const odd = random.next();
    prepares.push({
      type: "Prepare",
      view: odd < 0.08 ? view + 1 : view,
      seq: odd >= 0.08 && odd < 0.16 ? seq + 1 : seq,
      digest: odd >= 0.16 && odd < 0.3 ? (digest === "a" ? "b" : "a") : digest,
      from,
      sig: { by: from, mac: "" },
    });
  }
  return { prePrepare, prepares, f, primary };
}

function describeSlot(input: PreparedInput): string {
  const pp = input.prePrepare;
  const head = pp === undefined
    ? "no pre-prepare"
    : `pre-prepare (view ${pp.view}, n ${pp.seq}, digest ${pp.digest}) from ${pp.from}`;
  const votes = input.prepares.map((p) => `${p.from}:(v${p.view}, n${p.seq}, ${p.digest})`);
  return `f = ${input.f}, primary ${input.primary}, ${head}; prepares ${votes.join(" ") || "none"}`;
}

/**
 * Checks a reader's prepared predicate: first against the paper's on generated slots
 * (the first disagreement is the counterexample), then inside every correct replica of
 * a fault sweep where a Byzantine replica equivocates or lies.
 *
 * @example
 * ```ts
 * checkPreparedPredicate(({ prepares, f }) => prepares.length >= 2 * f).passed; // false
 * ```
 */
export function checkPreparedPredicate(
  rule: PreparedRule,
  options: PreparedCheckOptions = {},
): ExerciseResult {
  const title = "Write the prepared predicate";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function ({ prePrepare, prepares, f, primary }) => boolean."],
    });
  }
  const random = new Random(7).child("prepared-cases");
  const cases = options.cases ?? 2000;
  for (let i = 0; i < cases; i++) {
    const slot = randomSlot(random);
    let answer: unknown;
    try {
      answer = rule(slot);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `It threw on ${describeSlot(slot)}: ${error instanceof Error ? error.message : error}`,
        ],
      });
    }
    const expected = referencePrepared(slot);
    if (answer !== expected) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `On ${describeSlot(slot)} it says ${String(answer)}; the paper says ${expected}.`,
          "Prepared: a pre-prepare, and 2f prepares from distinct backups (not the primary) " +
          "with the pre-prepare's view, sequence number and digest.",
        ],
        counterexample: slot,
      });
    }
  }
  const sweep = faultSweep(pbftTrialWith({ prepared: rule }), {
    seeds: options.seeds ?? 24,
    profiles: { equivocate: { behavior: "equivocate" }, lie: { behavior: "lie" } },
    params: { requestsPerClient: 4, faultsUntilMs: 600 },
    excerpt: false,
  });
  const rows = sweep.rows.map((row: PbftRow & { seed: number }) => ({
    seed: row.seed,
    behavior: row.behavior,
    agreement: row.agreement,
    live: row.live,
  }));
  const failure = sweep.failures[0];
  if (failure !== undefined) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`The fault sweep broke: ${failure.message}`, failure.replay],
      rows,
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `It agrees with the paper on ${cases} generated slots.`,
      `${sweep.trials} fault trials with a Byzantine replica: agreement and liveness held.`,
    ],
    rows,
  });
}
