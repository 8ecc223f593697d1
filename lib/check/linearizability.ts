/**
 * The linearizability checker for registers and key-value maps of registers (read, write,
 * cas): a verdict per key and, for a history that is not linearizable, evidence a reader
 * can follow.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import {
  type History,
  type PairedOperation,
  pairOperations,
  type ProcessId,
} from "../history/operation.ts";
import {
  CAS,
  ModelError,
  prepareRegister,
  READ,
  type RegisterProblem,
  searchLinearization,
  type SearchOutcome,
  WRITE,
} from "./search.ts";

/**
 * What the operations act on: `register` is one register (records carry no key); `kv` is
 * a map from keys to independent registers, each starting as null.
 */
export type ModelName = "register" | "kv";

/** The models {@link checkLinearizable} knows. */
export const MODEL_NAMES: readonly ModelName[] = ["register", "kv"];

/** Default {@link LinearizabilityOptions.maxSteps}. */
export const DEFAULT_MAX_STEPS = 20_000_000;

/**
 * Default {@link LinearizabilityOptions.maxMemoryBytes}: 512 MiB. A configuration takes
 * a few dozen bytes (its window of the linearized set is usually a word or two), so this
 * holds millions of them, and a 100,000-operation history fits with room to spare.
 */
export const DEFAULT_MAX_MEMORY_BYTES = 512 * 1024 * 1024;

/** Options of {@link checkLinearizable}. */
export interface LinearizabilityOptions {
  /** The model. Default: `kv` when any record has a key, `register` otherwise. */
  readonly model?: ModelName;
  /**
   * Most model steps (attempts to place an operation), over all keys, before the verdict
   * is `"unknown"`. Default {@link DEFAULT_MAX_STEPS} (about a second of search).
   */
  readonly maxSteps?: number;
  /**
   * Most bytes the search of one key may spend remembering configurations. Beyond it,
   * the search goes on without remembering more (the verdict stays exact, but the step
   * budget may then run out first: `"unknown"`). Default {@link DEFAULT_MAX_MEMORY_BYTES}.
   */
  readonly maxMemoryBytes?: number;
  /** Give up with an `"unknown"` verdict after this long, in ms of `clock`. Needs `clock`. */
  readonly timeoutMs?: number;
  /** The clock `timeoutMs` is measured on: a function returning ms (a script's wall clock). */
  readonly clock?: () => number;
}

/** One operation as evidence shows it. */
export interface OperationSummary {
  /** Position of its invoke in the history. */
  readonly index: number;
  /** Position of its completion, or undefined when the history ends first. */
  readonly completeIndex: number | undefined;
  /** The invoke's `time` (ms), when the history has times. */
  readonly invokeTime?: number | undefined;
  /** The completion's `time` (ms), when the history has times and the operation completed. */
  readonly completeTime?: number | undefined;
  /** Its process. */
  readonly process: ProcessId;
  /** Its function. */
  readonly f: string;
  /** Its key (undefined for a single register). */
  readonly key: string | undefined;
  /** `ok`, or `info` when the outcome is unknown. */
  readonly outcome: "ok" | "info";
  /** What it was called with (a cas: `[expected, new]`). */
  readonly value: unknown;
  /** What it returned (the value read, for a read; undefined when unknown). */
  readonly output: unknown;
  /** Short text: `p3 read → 2`, `p1 write 4`, `p0 cas 1→3?` (`?`: unknown outcome). */
  readonly label: string;
}

/** An operation that was pending where linearization got stuck, and why it did not help. */
export interface PendingOperation {
  /** The operation. */
  readonly operation: OperationSummary;
  /** Whether the model allowed it to take effect next (it then led to a dead end). */
  readonly possible: boolean;
  /** Why, in words. */
  readonly why: string;
}

/**
 * Why a history is not linearizable, for the first key that is not: the furthest point
 * the search reached. The operations in `linearized` (a prefix, in the order they took
 * effect) can be explained, but then `operation` returns before any order of the pending
 * operations can account for it.
 */
export interface LinearizabilityEvidence {
  /** The key, or undefined for a single register. */
  readonly key: string | undefined;
  /** The operation that could not be linearized. */
  readonly operation: OperationSummary;
  /** Position in the history where linearization fails: that operation's completion. */
  readonly failedAt: number;
  /** The `time` of that record, if the history has times. */
  readonly failedAtTime: number | undefined;
  /** The longest linearizable prefix found, in linearization order. */
  readonly linearized: readonly OperationSummary[];
  /** The register's value after `linearized`. */
  readonly value: unknown;
  /** Operations invoked before `failedAt` and not in `linearized`, `operation` among them. */
  readonly pending: readonly PendingOperation[];
  /** One sentence that says it all. */
  readonly summary: string;
}

/** The verdict for one key. */
export interface KeyVerdict {
  /** The key (undefined for a single register). */
  readonly key: string | undefined;
  /** `true`, `false`, or `"unknown"` when the budget ran out. */
  readonly valid: boolean | "unknown";
  /** Operations searched (after dropping failed and irrelevant ones). */
  readonly operations: number;
  /** Model steps taken. */
  readonly steps: number;
  /** Configurations the search remembered. */
  readonly configurations: number;
  /** Bytes the remembered configurations took (at most the `maxMemoryBytes` budget). */
  readonly memoryBytes: number;
  /**
   * For a linearizable key: one order that explains every result, as the operations that
   * take effect, in the order they do (draw it with `historyBars`' `linearization`).
   * Failed operations are not in it, nor unknown ones that need never take effect.
   * Undefined when the key is not linearizable or the budget ran out.
   */
  readonly linearization: readonly OperationSummary[] | undefined;
}

/** What {@link checkLinearizable} found. */
export interface LinearizabilityResult {
  /**
   * `true` when every key is linearizable, `false` when one is not, `"unknown"` when no
   * key is proven wrong but the budget ran out before all were proven right.
   */
  readonly valid: boolean | "unknown";
  /** The model the history was checked against. */
  readonly model: ModelName;
  /** Verdicts per key, in the order keys first appear. */
  readonly keys: readonly KeyVerdict[];
  /** For an invalid history: why, for the first key that is not linearizable. */
  readonly evidence: LinearizabilityEvidence | undefined;
  /** Model steps taken over all keys. */
  readonly steps: number;
  /** For an unknown verdict: which budget ran out, in words. */
  readonly reason: string | undefined;
}

/**
 * Checks whether a history of reads, writes and cas on a register (or a key-value map of
 * registers, one independent register per key) is linearizable: whether every operation
 * can be given one instant between its invoke and its completion such that, in the order
 * of those instants, each read returns the latest value written and each successful cas
 * found the value it expected. Failed operations did not take effect; operations with an
 * unknown outcome (`info`, or still open at the end) may take effect at any time after
 * their invoke, or never. Records of process `"nemesis"` (Jepsen's fault injector) are
 * ignored.
 *
 * The algorithm is Wing and Gong's backtracking search with Lowe's memoisation of
 * (linearized set, value) configurations, as in Porcupine, run per key (linearizability
 * is local: a map is linearizable exactly when each key is). Three reductions that keep
 * the verdict shrink the search: unknown reads are dropped, and so are unknown writes
 * and cas of values nothing observes; unknown operations with the same effect are
 * placed in invoke order only. The history's operations live in typed arrays, the
 * configurations in an open-addressing table keyed by an incremental (Zobrist) hash: the
 * 102 Jepsen etcd histories take about 30 ms in all.
 *
 * Throws a HistoryError for a malformed history and a ModelError for operations
 * the model does not know.
 *
 * @example
 * ```ts
 * import { describeResult } from "./describe.ts";
 *
 * const result = checkLinearizable([
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 *   { process: 1, type: "invoke", f: "read", value: null },
 *   { process: 1, type: "ok", f: "read", value: null }, // stale: 1 was written before
 * ]);
 * result.valid; // false
 * console.log(describeResult(result));
 * // Not linearizable (register, 2 operations searched in 2 steps).
 * // p1 read → null (events 2 to 3 of the history) cannot be linearized: ...
 * ```
 */
export function checkLinearizable(
  history: History,
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(maxSteps >= 0)) {
    throw new RangeError(
      `Cannot check linearizability: maxSteps must be at least 0, got ${maxSteps}`,
    );
  }
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  if (!(maxMemoryBytes >= 0)) {
    throw new RangeError(
      `Cannot check linearizability: maxMemoryBytes must be at least 0, got ${maxMemoryBytes}`,
    );
  }
  let deadline: { now: () => number; at: number } | undefined;
  if (options.timeoutMs !== undefined) {
    if (typeof options.clock !== "function") {
      throw new TypeError(
        "Cannot check linearizability with a timeout: pass a clock (a function returning ms)",
      );
    }
    if (!(options.timeoutMs >= 0)) {
      throw new RangeError(
        `Cannot check linearizability: timeoutMs must be at least 0, got ${options.timeoutMs}`,
      );
    }
    deadline = { now: options.clock, at: options.clock() + options.timeoutMs };
  }
  if (options.model !== undefined && !MODEL_NAMES.includes(options.model)) {
    throw new RangeError(
      `Cannot check linearizability: model must be "register" or "kv", got ${
        formatValue(options.model)
      }`,
    );
  }

  const pairs = pairOperations(history).filter((pair) => pair.process !== "nemesis");
  const keyed = pairs.find((pair) => pair.key !== undefined);
  const model = options.model ?? (keyed === undefined ? "register" : "kv");
  if (model === "register" && keyed !== undefined) {
    throw new ModelError(
      keyed.invokeIndex,
      `has key ${formatValue(keyed.key)}, but a register has no keys (use the kv model)`,
    );
  }
  const groups = new Map<string | undefined, PairedOperation[]>();
  for (const pair of pairs) {
    let group = groups.get(pair.key);
    if (group === undefined) groups.set(pair.key, group = []);
    group.push(pair);
  }

  const keys: KeyVerdict[] = [];
  let steps = 0;
  let evidence: LinearizabilityEvidence | undefined;
  let reason: string | undefined;
  for (const [key, group] of groups) {
    const problem = prepareRegister(group);
    const outcome = searchLinearization(problem, {
      maxSteps: maxSteps - steps,
      maxMemoryBytes,
      deadline,
    });
    steps += outcome.steps;
    keys.push({
      key,
      valid: outcome.valid,
      operations: problem.ops.length,
      steps: outcome.steps,
      configurations: outcome.configurations,
      memoryBytes: outcome.memoryBytes,
      linearization: outcome.order?.map((i) => summarizeOperation(problem.ops[i]!)),
    });
    if (outcome.valid === false && evidence === undefined) {
      evidence = buildEvidence(key, problem, outcome, history);
    }
    if (outcome.valid === "unknown" && reason === undefined) {
      const which = key === undefined ? "" : ` on key ${formatValue(key)}`;
      const memory = outcome.memoryFull
        ? ` (the memory budget of ${
          Math.round(maxMemoryBytes / 2 ** 20)
        } MiB filled first, so the search stopped remembering configurations)`
        : "";
      reason = outcome.exhausted === "time"
        ? `the time budget of ${options.timeoutMs} ms ran out${which}${memory}`
        : `the budget of ${maxSteps} steps ran out${which}${memory}`;
    }
  }
  const valid = keys.some((k) => k.valid === false)
    ? false
    : keys.some((k) => k.valid === "unknown")
    ? "unknown"
    : true;
  return {
    valid,
    model,
    keys,
    evidence,
    steps,
    reason: valid === "unknown" ? reason : undefined,
  };
}

/**
 * A short text for one operation: process, function, arguments and result, with `?` for
 * an unknown outcome (`p3 read → 2`, `p1 write 4`, `p0 cas 1→3?`).
 *
 * @example
 * ```ts
 * operationLabel({ process: 2, f: "cas", value: [1, 3], outcome: "ok" }); // "p2 cas 1→3"
 * ```
 */
export function operationLabel(
  op: Pick<PairedOperation, "process" | "f" | "value" | "outcome"> & { output?: unknown },
): string {
  const process = typeof op.process === "number" ? `p${op.process}` : String(op.process);
  const unknown = op.outcome !== "ok";
  let text: string;
  if (op.f === "read") {
    text = unknown ? "read ?" : `read → ${formatValue(op.output ?? null)}`;
  } else if (op.f === "cas" && Array.isArray(op.value) && op.value.length === 2) {
    text = `cas ${formatValue(op.value[0])}→${formatValue(op.value[1])}`;
  } else {
    text = `${op.f} ${formatValue(op.value)}`;
  }
  const suffix = op.outcome === "fail" ? " ✗" : unknown && op.f !== "read" ? "?" : "";
  return `${process} ${text}${suffix}`;
}

/** One operation as the checkers' evidence shows it: indices, times, what it did, its label. */
export function summarizeOperation(op: PairedOperation): OperationSummary {
  return {
    index: op.invokeIndex,
    completeIndex: op.completeIndex,
    invokeTime: op.invokeTime,
    completeTime: op.completeTime,
    process: op.process,
    f: op.f,
    key: op.key,
    outcome: op.outcome === "ok" ? "ok" : "info",
    value: op.value,
    output: op.outcome === "ok" ? op.output : undefined,
    label: operationLabel(op),
  };
}

function buildEvidence(
  key: string | undefined,
  problem: RegisterProblem,
  outcome: SearchOutcome,
  history: History,
): LinearizabilityEvidence {
  const stuck = outcome.stuck!;
  const stuckOp = problem.ops[stuck.op]!;
  const failedAt = stuckOp.completeIndex!;
  const value = problem.values[stuck.state];
  const placed = new Set(stuck.linearized);
  const pending: PendingOperation[] = [];
  const impossible = problem.impossible === stuck.op;
  problem.ops.forEach((op, i) => {
    if (placed.has(i) || op.invokeIndex >= failedAt) return;
    if (impossible && i !== stuck.op) return;
    pending.push(explainPending(problem, i, stuck.state, impossible));
  });
  if (!impossible) {
    for (const op of problem.unobserved) {
      if (op.invokeIndex >= failedAt) continue;
      const written = formatValue(op.f === "cas" ? (op.value as unknown[])[1] : op.value);
      pending.push({
        operation: summarizeOperation(op),
        possible: true,
        why: `writes ${written}, which no operation observes, so it cannot help`,
      });
    }
    pending.sort((x, y) => x.operation.index - y.operation.index);
  }
  const where = key === undefined ? "" : `Key ${formatValue(key)}: `;
  const label = operationLabel(stuckOp);
  // Times when the history has them, as on a figure's time axis; else event positions,
  // named as such.
  const span = stuckOp.invokeTime !== undefined && stuckOp.completeTime !== undefined
    ? `invoked at ${formatMs(stuckOp.invokeTime)} ms, completed at ${
      formatMs(stuckOp.completeTime)
    } ms`
    : `events ${stuckOp.invokeIndex} to ${failedAt} of the history`;
  let summary: string;
  if (impossible) {
    const observed = formatValue(problem.values[problem.a[stuck.op]!]);
    summary = `${where}${label} (${span}) cannot be linearized: it observes ${observed}, ` +
      "a value no operation ever writes.";
  } else {
    const count = stuck.linearized.length;
    summary = `${where}${label} (${span}) cannot be linearized: the longest linearizable ` +
      `prefix found places ${count} operation${count === 1 ? "" : "s"} and leaves the ` +
      `register holding ${formatValue(value)}, and no order of the ${pending.length} pending ` +
      `operation${pending.length === 1 ? "" : "s"} explains its result.`;
  }
  return {
    key,
    operation: summarizeOperation(stuckOp),
    failedAt,
    failedAtTime: history[failedAt]?.time,
    linearized: stuck.linearized.map((i) => summarizeOperation(problem.ops[i]!)),
    value,
    pending,
    summary,
  };
}

function explainPending(
  problem: RegisterProblem,
  i: number,
  state: number,
  impossible: boolean,
): PendingOperation {
  const operation = summarizeOperation(problem.ops[i]!);
  const holds = formatValue(problem.values[state]);
  const a = formatValue(problem.values[problem.a[i]!]);
  if (impossible) {
    return { operation, possible: false, why: `no operation ever writes ${a}` };
  }
  const kind = problem.kind[i];
  const deadEnd = "could take effect here, but no order of the rest works after it";
  if (kind === WRITE) return { operation, possible: true, why: deadEnd };
  if (state === problem.a[i]) {
    return { operation, possible: true, why: deadEnd };
  }
  const why = kind === READ
    ? `returned ${a}, but the register holds ${holds}`
    : kind === CAS
    ? `expects ${a}, but the register holds ${holds}`
    : deadEnd;
  return { operation, possible: false, why };
}

/** A time in ms, to at most three decimals. */
function formatMs(ms: number): string {
  return String(Math.round(ms * 1000) / 1000);
}
