/**
 * Exercises of chapter 18 with their self-checks:
 *
 * 1. **Choose a phi threshold** ({@link checkPhiThreshold}): on traces the reader has not
 *    seen, at most {@link PHI_FALSE_POSITIVE_BUDGET} false positives per trace on average,
 *    and a crash detected within {@link PHI_DETECTION_BUDGET_MS} ms on average.
 * 2. **Fence the storage** ({@link checkEpochFencingRule}): a rule by which the shared storage
 *    accepts or refuses a write, given the writer's epoch and the newest epoch it has
 *    accepted, so that a paused, deposed primary cannot write over its successor, yet the
 *    successor's writes land.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { arrivalTrace, evaluateDetector } from "../membership/phi_accrual.ts";
import {
  buildFailover,
  FailoverParamsSchema,
  FENCE_OLDER_EPOCHS,
  type FencingRule,
} from "../membership/failover.ts";
import { ExerciseResult } from "./result.ts";

// ---- Exercise 1: a phi threshold for a false-positive budget ------------------------------

/** Most false positives per trace, on average, that exercise 1 allows (the pause is one). */
export const PHI_FALSE_POSITIVE_BUDGET = 3;

/** Longest mean detection time exercise 1 allows, in ms. */
export const PHI_DETECTION_BUDGET_MS = 70;

/** Seeds of the traces exercise 1 checks on (not those the chapter plots). */
const CHECK_SEEDS = [101, 102, 103, 104, 105, 106, 107, 108];

/** A threshold that meets both budgets. */
export const referencePhiThreshold = 10;

/**
 * Checks a phi threshold against both budgets on eight fresh default traces (the chapter's
 * path shift and pause, other seeds).
 *
 * @example
 * ```ts
 * checkPhiThreshold(1); // ✗ far too many false positives
 * ```
 */
export function checkPhiThreshold(threshold: number): ExerciseResult {
  const title = "Choose a phi threshold for a false-positive budget";
  if (typeof threshold !== "number" || !(threshold > 0) || !Number.isFinite(threshold)) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`Expected a positive number, got ${String(threshold)}.`],
    });
  }
  const rows = CHECK_SEEDS.map((seed) => {
    const score = evaluateDetector(arrivalTrace({}, seed), { kind: "phi", threshold });
    return { seed, falsePositives: score.falsePositives, detectionMs: score.detectionMs };
  });
  const fp = rows.reduce((sum, row) => sum + row.falsePositives, 0) / rows.length;
  const detection = rows.reduce((sum, row) => sum + row.detectionMs, 0) / rows.length;
  const measured = `Φ = ${threshold}: ${fp.toFixed(2)} false positives per trace, ` +
    `detection in ${detection.toFixed(1)} ms, on average over ${rows.length} traces.`;
  const details = [measured];
  if (fp > PHI_FALSE_POSITIVE_BUDGET) {
    details.push(
      `Over the budget of ${PHI_FALSE_POSITIVE_BUDGET}: raise Φ (each step of 1 asks for ` +
        "ten times more improbable silence before suspecting).",
    );
  }
  if (detection > PHI_DETECTION_BUDGET_MS) {
    details.push(
      `Slower than ${PHI_DETECTION_BUDGET_MS} ms: lower Φ; beyond a point a higher threshold ` +
        "buys few fewer false positives (the pause is always one) and costs detection time.",
    );
  }
  return new ExerciseResult({ passed: details.length === 1, title, details, rows });
}

// ---- Exercise 2: fence the storage --------------------------------------------------------

/** The reference rule: refuse writes from an epoch older than the newest accepted. */
export const referenceEpochFencingRule: FencingRule = FENCE_OLDER_EPOCHS;

/** Options of {@link checkEpochFencingRule}. */
export interface FencingRuleCheckOptions {
  /** Failover runs to try (seeds 1, 2, ...). Default 200. */
  readonly seeds?: number;
}

/**
 * Checks a storage's fencing rule: runs the chapter's failover (the primary pauses at
 * random, sometimes past the standby's timeout) with the rule in the storage, and passes
 * when no run lets an older epoch's write land after a newer one's, and every run in which
 * the standby took over saw its writes accepted.
 *
 * @example
 * ```ts
 * checkEpochFencingRule(() => true); // ✗ the deposed primary's writes land
 * ```
 */
export function checkEpochFencingRule(
  rule: FencingRule,
  options: FencingRuleCheckOptions = {},
): ExerciseResult {
  const title = "Fence the storage";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (writeEpoch, newestEpoch) => boolean."],
    });
  }
  const params = FailoverParamsSchema.parse({});
  const seeds = options.seeds ?? 200;
  let takeovers = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    let system: ReturnType<typeof buildFailover>;
    try {
      system = buildFailover(params, seed, { fencingRule: rule });
      system.simulation.runUntil(2_500);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    if (system.splitBrain !== undefined) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: ${system.splitBrain}.`,
          "The deposed primary still writes with its old epoch: refuse a write whose epoch " +
          "is older than the newest the storage has accepted.",
        ],
        counterexample: { seed },
      });
    }
    // Before the fault every write is the primary's, in epoch 1, and should land.
    const before = system.accepted.filter((write) => write.timeMs < system.faultAtMs).length;
    const sent = params.clients * Math.floor(system.faultAtMs / params.writeIntervalMs);
    if (before < sent / 2) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: before any fault, the storage accepted only ${before} of about ` +
          `${sent} writes from the one primary.`,
          "Writes of the newest epoch itself must be accepted, not only newer ones.",
        ],
        counterexample: { seed },
      });
    }
    const tookOver = system.roleChanges.some((c) => c.server === "s2" && c.role === "primary");
    if (!tookOver) continue;
    takeovers++;
    if (!system.accepted.some((write) => write.server === "s2")) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: the standby took over in epoch 2, but the storage accepted none ` +
          "of its writes.",
          "A rule that refuses too much is safe but useless: accept the newest epoch.",
        ],
        counterexample: { seed },
      });
    }
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} failovers (${takeovers} takeovers): no stale write landed, and every new ` +
      "primary's writes did.",
    ],
  });
}
