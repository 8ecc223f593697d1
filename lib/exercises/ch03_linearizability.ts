/**
 * Exercises of chapter 03 (linearizability) with their self-checks:
 *
 * 1. **A history only real time rejects** ({@link checkRejectedHistory}): write a history
 *    of reads and writes that is sequentially consistent (some order that keeps each
 *    process's own operations in order explains every read) and yet not linearizable.
 * 2. **Predict the verdict** ({@link checkPredictions}): say which of three small
 *    histories ({@link PREDICTION_HISTORIES}) are linearizable.
 *
 * Each check returns a {@link ExerciseResult} (a ✓ or ✗ box, with the history drawn
 * under it when there is one to draw) and never throws for a wrong answer.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import { historyBars } from "../check/history_bars.ts";
import {
  checkLinearizable,
  type LinearizabilityResult,
  operationLabel,
} from "../check/linearizability.ts";
import {
  type History,
  HistoryError,
  type PairedOperation,
  pairOperations,
  parseHistory,
  type ProcessId,
} from "../history/operation.ts";
import type { Figure } from "../viz/figure.ts";
import { ExerciseResult } from "./result.ts";

// ---- Sequential consistency ------------------------------------------------------------

/** Most operations {@link findSequentialOrder} searches (its search grows fast beyond). */
export const MAX_SEQUENTIAL_OPERATIONS = 24;

/**
 * Looks for a sequential order of a register history that keeps each process's own
 * operations in the order it issued them and in which every read returns the latest value
 * written (null before any write) and every successful cas finds the value it expects:
 * the history is then sequentially consistent (Lamport, 1979). Unlike linearizability,
 * real time across processes does not count. Failed operations are left out; operations
 * with an unknown outcome are not allowed. Returns the operations in that order, or
 * undefined when there is none.
 *
 * Throws a HistoryError for a malformed history and a RangeError for keys, unknown
 * outcomes, functions other than read, write and cas, or more than
 * {@link MAX_SEQUENTIAL_OPERATIONS} operations.
 *
 * @example
 * ```ts
 * import { operationLabel } from "../check/linearizability.ts";
 *
 * findSequentialOrder([
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null },
 * ])?.map(operationLabel); // ["p1 read → null", "p0 write 1"]: fine without real time
 * ```
 */
export function findSequentialOrder(history: History): PairedOperation[] | undefined {
  const pairs = pairOperations(history).filter((pair) => pair.outcome !== "fail");
  if (pairs.length > MAX_SEQUENTIAL_OPERATIONS) {
    throw new RangeError(
      `Cannot search for a sequential order: ${pairs.length} operations, at most ` +
        `${MAX_SEQUENTIAL_OPERATIONS}`,
    );
  }
  for (const pair of pairs) {
    const where = `the operation invoked at ${pair.invokeIndex}`;
    if (pair.key !== undefined) {
      throw new RangeError(`Cannot search for a sequential order: ${where} has a key`);
    }
    if (pair.outcome !== "ok") {
      throw new RangeError(`Cannot search for a sequential order: ${where} has no known outcome`);
    }
    if (pair.f !== "read" && pair.f !== "write" && pair.f !== "cas") {
      throw new RangeError(
        `Cannot search for a sequential order: ${where} calls ${formatValue(pair.f)}`,
      );
    }
  }
  const lanes = [...Map.groupBy(pairs, (pair) => pair.process).values()];
  const positions = lanes.map(() => 0);
  const order: PairedOperation[] = [];
  const dead = new Set<string>();
  // Depth-first over (how far each process has got, the register's value), remembering
  // dead ends: at most (operations per process + 1)^processes × values configurations.
  const search = (value: string): boolean => {
    if (order.length === pairs.length) return true;
    const key = `${positions.join(",")}|${value}`;
    if (dead.has(key)) return false;
    for (const [lane, ops] of lanes.entries()) {
      const op = ops[positions[lane]!];
      if (op === undefined) continue;
      const next = step(op, value);
      if (next === undefined) continue;
      positions[lane]!++;
      order.push(op);
      if (search(next)) return true;
      order.pop();
      positions[lane]!--;
    }
    dead.add(key);
    return false;
  };
  return search(token(null)) ? order : undefined;
}

/** The register's value after `op` (as a token), or undefined when `op` cannot go next. */
function step(op: PairedOperation, value: string): string | undefined {
  if (op.f === "write") return token(op.value);
  if (op.f === "read") return token(op.output ?? null) === value ? value : undefined;
  const [expected, next] = Array.isArray(op.value) ? op.value : [undefined, undefined];
  return token(expected) === value ? token(next) : undefined;
}

function token(value: unknown): string {
  return JSON.stringify(value ?? null);
}

// ---- Exercise 1: a history only real time rejects -----------------------------------

/** Most operations a history may have in {@link checkRejectedHistory}. */
export const MAX_REJECTED_HISTORY_OPERATIONS = 16;

/**
 * Checks an answer to "a history only real time rejects": `history` must be a well-formed
 * history (Jepsen records, as `parseHistory` reads them) of at most
 * {@link MAX_REJECTED_HISTORY_OPERATIONS} reads and writes on one register, every one ending
 * `ok`, in which each write writes its own value and every read returns a value some
 * write writes (never null). It must be sequentially consistent (see
 * {@link findSequentialOrder}), so every process sees the writes in an order that makes
 * sense, and yet the linearizability checker must reject it. Passes with the checker's
 * evidence drawn; fails with the first rule broken and, when the checker accepts the
 * history, the order that linearizes it drawn. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkRejectedHistory([]); // ✗ the history is empty
 * ```
 */
export function checkRejectedHistory(history: unknown): ExerciseResult {
  const title = "A history only real time rejects";
  const fail = (details: string[], figure?: Figure) =>
    new ExerciseResult({ passed: false, title, details, figures: [figure] });
  let parsed: History;
  try {
    parsed = parseHistory(history);
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    return fail([
      `✗ Not a well-formed history: ${error.message}.`,
      "Each operation is two records on its process: an invoke, then its completion.",
    ]);
  }
  const pairs = pairOperations(parsed);
  if (pairs.length === 0) {
    return fail([
      "✗ The history is empty: write its records, an invoke and an ok for each operation, " +
      'as { process: 0, type: "invoke", f: "write", value: 1 }.',
    ]);
  }
  const shape = shapeProblem(pairs);
  if (shape !== undefined) return fail([`✗ ${shape}`]);
  const processes = new Set(pairs.map((pair) => pair.process)).size;
  const details = [
    `✓ A well-formed history of ${pairs.length} reads and writes on ${processes} ` +
    `process${processes === 1 ? "" : "es"}, every one ok, every read returning a value ` +
    "some write writes.",
  ];
  const order = findSequentialOrder(parsed);
  if (order === undefined) {
    details.push(
      "✗ Not sequentially consistent: no order that keeps each process's own operations " +
        "in the order it issued them explains every read. The checker rejects it, but it " +
        "would without real time too. Keep each process's view in order and break only the " +
        "real-time order between processes.",
    );
    return fail(details);
  }
  details.push(
    `✓ Sequentially consistent, in the order ${order.map(operationLabel).join(", ")}.`,
  );
  const result = checkLinearizable(parsed, { model: "register" });
  if (result.valid === false) {
    details.push(`✓ The checker rejects it. ${result.evidence!.summary}`);
    return new ExerciseResult({
      passed: true,
      title,
      details,
      figures: [historyBars(parsed, { evidence: result.evidence!, width: 720 })],
    });
  }
  if (result.valid === "unknown") {
    details.push(`✗ The checker could not decide: ${result.reason}.`);
    return fail(details);
  }
  const linearization = result.keys[0]?.linearization ?? [];
  details.push(
    "✗ The checker accepts it: the operations can take effect in the order " +
      `${linearization.map((op) => op.label).join(", ")}, each between its invoke and its ` +
      "completion (numbered on the bars). Make one operation complete before another " +
      "begins so that this order is no longer possible.",
  );
  return fail(details, historyBars(parsed, { linearization, width: 720 }));
}

function shapeProblem(pairs: readonly PairedOperation[]): string | undefined {
  if (pairs.length > MAX_REJECTED_HISTORY_OPERATIONS) {
    return `${pairs.length} operations: keep it to ${MAX_REJECTED_HISTORY_OPERATIONS} at most, ` +
      "a few are enough.";
  }
  const writers = new Map<string, PairedOperation>();
  for (const pair of pairs) {
    const label = `${operationLabel(pair)} (invoked at ${pair.invokeIndex})`;
    if (pair.key !== undefined) {
      return `${label} has a key: this exercise is about one register, leave keys out.`;
    }
    if (pair.f !== "read" && pair.f !== "write") {
      return `${label} is a ${formatValue(pair.f)}: use only read and write.`;
    }
    if (pair.outcome !== "ok") {
      const how = pair.completeIndex === undefined ? "never completes" : `ends in ${pair.outcome}`;
      return `${label} ${how}: here every operation ends ok, so no outcome is in doubt.`;
    }
    if (pair.f === "write") {
      if (pair.value === null || pair.value === undefined) {
        return `${label} writes null, the initial value: write values that tell the writes apart.`;
      }
      const before = writers.get(token(pair.value));
      if (before !== undefined) {
        return `${label} writes ${formatValue(pair.value)}, as the write invoked at ` +
          `${before.invokeIndex} does: give each write its own value, so each read names ` +
          "the write it saw.";
      }
      writers.set(token(pair.value), pair);
    }
  }
  for (const pair of pairs) {
    if (pair.f !== "read") continue;
    const label = `${operationLabel(pair)} (invoked at ${pair.invokeIndex})`;
    if (pair.output === null || pair.output === undefined) {
      return `${label} returns null, the initial value: make every read return a value ` +
        "that some write writes.";
    }
    if (!writers.has(token(pair.output))) {
      return `${label} returns ${formatValue(pair.output)}, which no write writes.`;
    }
  }
  return undefined;
}

// ---- Exercise 2: predict the verdict --------------------------------------------------

/** The names of the histories of {@link PREDICTION_HISTORIES}. */
export type PredictionName = "A" | "B" | "C";

/** One history to predict, with the reason for its verdict. */
export interface PredictionCase {
  /** The history (records carry times, in ms). */
  readonly history: History;
  /** Why it is linearizable or not, in a sentence or two. */
  readonly why: string;
}

const op = (
  process: ProcessId,
  type: "invoke" | "ok" | "fail" | "info",
  f: "read" | "write" | "cas",
  value: unknown,
  time: number,
) => ({ process, type, f, value, time });

/**
 * The three histories of "predict the verdict":
 *
 * - **A**: a write overlaps two reads; the first read returns the new value, and the
 *   second, which begins after the first has completed, returns the old one.
 * - **B**: a write times out (`info`), and a later read returns its value.
 * - **C**: a cas fails, and a read returns the value it would have written.
 */
export const PREDICTION_HISTORIES: Readonly<Record<PredictionName, PredictionCase>> = {
  A: {
    history: [
      op(0, "invoke", "write", 1, 0),
      op(1, "invoke", "read", null, 1),
      op(1, "ok", "read", 1, 3),
      op(2, "invoke", "read", null, 4),
      op(2, "ok", "read", null, 6),
      op(0, "ok", "write", 1, 8),
    ],
    why: "p1 read 1 and completed before p2's read began, so the write had taken effect " +
      "before p2's read started: p2 must see 1, even though the write had not yet returned.",
  },
  B: {
    history: [
      op(0, "invoke", "write", 1, 0),
      op(1, "invoke", "read", null, 1),
      op(1, "ok", "read", null, 2),
      op(0, "info", "write", 1, 5),
      op(1, "invoke", "read", null, 7),
      op(1, "ok", "read", 1, 8),
    ],
    why: "the write timed out, so its outcome is unknown: it may take effect at any time " +
      "after its invoke, even after its client gave up. Here it takes effect between p1's " +
      "two reads.",
  },
  C: {
    history: [
      op(0, "invoke", "write", 1, 0),
      op(0, "ok", "write", 1, 2),
      op(1, "invoke", "cas", [1, 2], 3),
      op(2, "invoke", "read", null, 4),
      op(1, "fail", "cas", [1, 2], 6),
      op(2, "ok", "read", 2, 7),
    ],
    why: "a failed cas certainly did not take effect, so no operation wrote 2, and no read " +
      "can return it.",
  },
};

/** A reader's predictions: `true` for linearizable, `false` for not. */
export type Predictions = Readonly<Partial<Record<PredictionName, boolean | null | undefined>>>;

/**
 * Checks predictions of which {@link PREDICTION_HISTORIES} are linearizable against the
 * checker: one ✓ or ✗ line per history, with the reason. Passes when all three are right.
 * Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkPredictions({ A: true, B: true, C: true }); // ✗ for the ones that are not
 * ```
 */
export function checkPredictions(predictions: Predictions): ExerciseResult {
  const title = "Predict the verdict";
  if (predictions === null || typeof predictions !== "object") {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `Expected an object such as { A: true, B: false, C: true }, got ${
          formatValue(predictions)
        }.`,
      ],
    });
  }
  const details: string[] = [];
  let right = 0;
  for (const [name, { history, why }] of Object.entries(PREDICTION_HISTORIES)) {
    const predicted = predictions[name as PredictionName];
    const verdict = verdictOf(checkLinearizable(history));
    const truth = verdict ? "linearizable" : "not linearizable";
    if (predicted === undefined || predicted === null) {
      details.push(`✗ ${name}: no prediction yet (set ${name} to true or false).`);
    } else if (typeof predicted !== "boolean") {
      details.push(
        `✗ ${name}: expected true (linearizable) or false (not), got ${formatValue(predicted)}.`,
      );
    } else if (predicted === verdict) {
      right++;
      details.push(`✓ ${name}: ${truth}, as you said: ${why}`);
    } else {
      details.push(
        `✗ ${name}: you said ${verdict ? "not " : ""}linearizable, but it is ${
          verdict ? "" : "not "
        }linearizable: ${why}`,
      );
    }
  }
  const total = Object.keys(PREDICTION_HISTORIES).length;
  return new ExerciseResult({ passed: right === total, title, details });
}

function verdictOf(result: LinearizabilityResult): boolean {
  if (result.valid === "unknown") {
    throw new Error(`Cannot check predictions: the checker ran out of budget (${result.reason})`);
  }
  return result.valid;
}
