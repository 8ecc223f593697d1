/**
 * The exercise of chapter 10 (CAP and PACELC) with its self-check: **predict each
 * side**. For five situations (a store and a fault), predict whether clients on the
 * minority side get answers, whether clients on the majority side do, and whether the
 * history stays linearizable on every seed. The check runs `cap-partition` on ten seeds
 * of each situation and compares.
 *
 * @module
 */
import type { Row } from "../experiments/experiment.ts";
import { type CapPartitionRow, runCapPartition } from "../cap/cap_partition.ts";
import { ExerciseResult } from "./result.ts";

/** The situations to predict, as `store / fault`. */
export const CAP_SITUATIONS = [
  "raft-kv / partition",
  "raft-kv / crash",
  "quorum-kv / partition",
  "lww-kv / partition",
  "lww-kv / crash",
] as const;

/** One of {@link CAP_SITUATIONS}. */
export type CapSituation = typeof CAP_SITUATIONS[number];

/** A prediction for one situation. */
export interface CapPrediction {
  /** Do the minority side's clients get answers (at least 90% of requests), or not (at most 10%)? */
  readonly minority: "answers" | "refuses";
  /** The same for the majority side's clients. */
  readonly majority: "answers" | "refuses";
  /** Is every seed's history linearizable? */
  readonly linearizable: "always" | "not always";
}

/** Seeds the check runs per situation. */
const SEEDS = 10;

function measure(situation: CapSituation): CapPartitionRow[] {
  const [store, fault] = situation.split(" / ") as ["raft-kv", "partition"];
  return Array.from({ length: SEEDS }, (_, i) => runCapPartition({ store, fault }, i + 1).row);
}

function side(values: readonly (number | null)[]): "answers" | "refuses" | "mixed" {
  const known = values.filter((v): v is number => v !== null);
  const mean = known.reduce((a, b) => a + b, 0) / Math.max(1, known.length);
  return mean >= 0.9 ? "answers" : mean <= 0.1 ? "refuses" : "mixed";
}

/**
 * Checks predictions for every situation of {@link CAP_SITUATIONS} against ten seeds of
 * `cap-partition` each (the experiment's defaults: five servers, two of them and two of
 * four clients on the minority side).
 *
 * @example
 * ```ts
 * const result = checkCapPredictions({
 *   "raft-kv / partition": { minority: "answers", majority: "answers", linearizable: "always" },
 * });
 * result.passed; // false: the other four situations have no prediction yet
 * result.details[0]; // the verdict on raft-kv / partition, with what was measured
 * ```
 */
export function checkCapPredictions(
  predictions: Readonly<Partial<Record<CapSituation, CapPrediction>>>,
): ExerciseResult {
  const title = "Predict each side of the fault";
  const details: string[] = [];
  const rows: Row[] = [];
  let passed = true;
  for (const situation of CAP_SITUATIONS) {
    const guess = predictions[situation];
    if (guess === undefined) {
      passed = false;
      details.push(`${situation}: no prediction`);
      continue;
    }
    const measured = measure(situation);
    const actual = {
      minority: side(measured.map((r) => r.availabilityMinority)),
      majority: side(measured.map((r) => r.availabilityMajority)),
      linearizable: measured.every((r) => r.linearizable === true) ? "always" : "not always",
    };
    const linearized = measured.filter((r) => r.linearizable === true).length;
    rows.push({ situation, ...actual, linearizableSeeds: linearized, seeds: SEEDS });
    const wrong = (["minority", "majority", "linearizable"] as const).filter((k) =>
      guess[k] !== actual[k]
    );
    if (wrong.length === 0) {
      details.push(`${situation}: right (${describe(actual, linearized)})`);
    } else {
      passed = false;
      details.push(
        `${situation}: ${
          wrong.map((k) => `${k} is "${actual[k]}", not "${guess[k]}"`).join("; ")
        }` +
          ` (${describe(actual, linearized)})${hint(situation)}`,
      );
    }
  }
  return new ExerciseResult({ passed, title, details, rows });
}

function describe(
  actual: { minority: string; majority: string },
  linearized: number,
): string {
  return `minority ${actual.minority}, majority ${actual.majority}, ` +
    `linearizable in ${linearized} of ${SEEDS} seeds`;
}

function hint(situation: CapSituation): string {
  switch (situation) {
    case "raft-kv / partition":
      return ": a side without a majority cannot commit, and cannot know it still leads";
    case "raft-kv / crash":
      return ": a crashed server is not a cut-off one; its clients go to the others";
    case "quorum-kv / partition":
      return ": sloppy quorums write to whichever nodes answer";
    case "lww-kv / partition":
    case "lww-kv / crash":
      return ": one acknowledgement and the first answer: no quorum ever intersects";
  }
}
