/**
 * Operation histories in Jepsen's JSON form: the operation records, their zod schema, the
 * structural rules a history must follow, and the pairing of each invoke with its
 * completion.
 *
 * @module
 */
import { z } from "zod";
import { describeIssue, formatValue } from "../config/mod.ts";

/** What an operation record says happened: a call, or one of the three ways it ends. */
export type OperationType = "invoke" | "ok" | "fail" | "info";

/** A client process: a number, or a name such as `"nemesis"`. */
export type ProcessId = number | string;

/**
 * One record of a history, as Jepsen writes it. An operation appears twice: once when
 * its process invokes it and once when it completes (`ok`: it took effect; `fail`: it
 * did not; `info`: nobody knows, so it may take effect at any time after its invoke, or
 * never, and its process issues nothing more).
 *
 * For the register and key-value models: a `read`'s invoke has value null and its `ok`
 * carries the value read (null: never written); a `write` carries the value written; a
 * `cas` carries `[expected, new]`.
 */
export interface Operation {
  /** The client process that issued the operation. */
  readonly process: ProcessId;
  /** Whether this record is the call or how it ended. */
  readonly type: OperationType;
  /** The function called: `"read"`, `"write"`, `"cas"`, ... */
  readonly f: string;
  /** The key it acts on; absent when the history is one register. */
  readonly key?: string;
  /** The argument (invoke) or the result (completion). */
  readonly value: unknown;
  /** When the record happened, in any unit (ms in simulated histories). For plots only. */
  readonly time?: number;
  /** The record's position as written by its producer; informative only. */
  readonly index?: number;
}

/** A history: operation records in the real-time order they happened. */
export type History = readonly Operation[];

/**
 * Thrown when a history is malformed. `index` is the position of the offending record in
 * the array (undefined when the history as a whole is unreadable) and `reason` says what
 * is wrong with it.
 *
 * @example
 * ```ts
 * try {
 *   parseHistory([{ process: 0, type: "ok", f: "read", value: 1 }]);
 * } catch (error) {
 *   if (error instanceof HistoryError) console.log(error.index, error.reason);
 *   // 0 "ok on process 0 without an open invoke"
 * }
 * ```
 */
export class HistoryError extends TypeError {
  /** Position of the offending operation record, or undefined. */
  readonly index: number | undefined;
  /** What is wrong, without the position. */
  readonly reason: string;
  /** Where the history came from (a file name), when known. */
  readonly source: string | undefined;

  /** Builds the error for the record at `index` (or the whole history). */
  constructor(index: number | undefined, reason: string, options: HistoryErrorOptions = {}) {
    const from = options.source === undefined ? "" : ` ${options.source}`;
    const where = index === undefined ? "" : `operation ${index}: `;
    super(`Cannot read history${from}: ${where}${reason}`, { cause: options.cause });
    this.name = "HistoryError";
    this.index = index;
    this.reason = reason;
    this.source = options.source;
  }
}

/** Options of a {@link HistoryError}. */
export interface HistoryErrorOptions {
  /** Where the history came from (a file name). */
  readonly source?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

const VALUE_TYPES = ["invoke", "ok", "fail", "info"] as const;

/** Zod schema of one {@link Operation} record (unknown fields are dropped). */
export const OperationSchema = z.object({
  process: z.union([
    z.number().int({ error: "must be a whole number" }).min(0, { error: "must be at least 0" }),
    z.string().min(1, { error: "must not be empty" }),
  ], { error: "must be a whole number or a name" }),
  type: z.enum(VALUE_TYPES),
  f: z.string().min(1, { error: "must not be empty" }),
  key: z.string().optional(),
  value: z.unknown().optional(),
  time: z.number().optional(),
  index: z.number().int({ error: "must be a whole number" }).min(0).optional(),
}).superRefine((operation, ctx) => {
  const value = operation.value;
  if (operation.f === "cas" && operation.type !== "fail" && operation.type !== "info") {
    if (!Array.isArray(value) || value.length !== 2) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `a cas must carry [expected, new], got ${formatValue(value)}`,
        input: value,
      });
    }
  }
  if (value === undefined && operation.type !== "fail" && operation.type !== "info") {
    ctx.addIssue({
      code: "custom",
      path: ["value"],
      message: "is required (null for none)",
      input: undefined,
    });
  }
});

/** Zod schema of a {@link History}: an array of operation records. */
export const HistorySchema = z.array(OperationSchema, { error: "must be an array of operations" });

/**
 * An operation with its invoke and completion paired: what it was called with, what it
 * returned and when, by position in the history (and time, when the records carry one).
 */
export interface PairedOperation {
  /** The process that issued it. */
  readonly process: ProcessId;
  /** The function called. */
  readonly f: string;
  /** Its key, or undefined for a single register. */
  readonly key: string | undefined;
  /**
   * How it ended. An invoke with no completion by the end of the history counts as
   * `info`: its outcome is unknown (`completeIndex` is then undefined).
   */
  readonly outcome: "ok" | "fail" | "info";
  /** The invoke's value (a read's is null). */
  readonly value: unknown;
  /** The completion's value (the value read, for a read), or undefined when there is none. */
  readonly output: unknown;
  /** Position of the invoke record. */
  readonly invokeIndex: number;
  /** Position of the completion record, or undefined when the history ends first. */
  readonly completeIndex: number | undefined;
  /** The invoke record's `time`, if any. */
  readonly invokeTime: number | undefined;
  /** The completion record's `time`, if any. */
  readonly completeTime: number | undefined;
}

/**
 * Pairs every invoke with its completion and checks the history's structure: each
 * completion closes an open invoke of its process with the same f and key, a process has
 * at most one open invoke, a process that ended an operation with `info` issues nothing
 * more (except process `"nemesis"`, Jepsen's fault injector), and times (when given)
 * never go backwards. Operations come back in invoke order.
 * Throws a {@link HistoryError} naming the first bad record.
 *
 * @example
 * ```ts
 * pairOperations([
 *   { process: 0, type: "invoke", f: "write", value: 1 },
 *   { process: 0, type: "ok", f: "write", value: 1 },
 * ]);
 * // [{ process: 0, f: "write", outcome: "ok", value: 1, output: 1, invokeIndex: 0, completeIndex: 1, ... }]
 * ```
 */
export function pairOperations(history: History): PairedOperation[] {
  if (!Array.isArray(history)) {
    throw new HistoryError(
      undefined,
      `expected an array of operations, got ${formatValue(history)}`,
    );
  }
  const open = new Map<ProcessId, number>();
  const retired = new Map<ProcessId, number>();
  const slots: (MutablePair | undefined)[] = [];
  const pairs: MutablePair[] = [];
  let lastTime = -Infinity;
  for (let index = 0; index < history.length; index++) {
    const op = history[index]!;
    if (op.time !== undefined) {
      if (op.time < lastTime) {
        throw new HistoryError(
          index,
          `time ${op.time} is before the previous record's time ${lastTime}`,
        );
      }
      lastTime = op.time;
    }
    const process = op.process;
    if (op.type === "invoke") {
      const openAt = open.get(process);
      if (openAt !== undefined) {
        throw new HistoryError(
          index,
          `invoke on process ${formatValue(process)} while its invoke at ${openAt} is still open`,
        );
      }
      const infoAt = retired.get(process);
      if (infoAt !== undefined) {
        throw new HistoryError(
          index,
          `invoke on process ${formatValue(process)} after its info at ${infoAt} ` +
            "(a process whose operation has an unknown outcome issues no more operations)",
        );
      }
      open.set(process, index);
      const pair: MutablePair = {
        process,
        f: op.f,
        key: op.key,
        outcome: "info",
        value: op.value,
        output: undefined,
        invokeIndex: index,
        completeIndex: undefined,
        invokeTime: op.time,
        completeTime: undefined,
      };
      slots[index] = pair;
      pairs.push(pair);
      continue;
    }
    const openAt = open.get(process);
    if (openAt === undefined) {
      const after = retired.get(process);
      const why = after === undefined ? "without an open invoke" : `after its info at ${after}`;
      throw new HistoryError(index, `${op.type} on process ${formatValue(process)} ${why}`);
    }
    const pair = slots[openAt]!;
    if (pair.f !== op.f) {
      throw new HistoryError(
        index,
        `${op.type} of f "${op.f}" completes an invoke of f "${pair.f}" at ${openAt}`,
      );
    }
    if (pair.key !== op.key) {
      throw new HistoryError(
        index,
        `key ${formatValue(op.key)} differs from the key ${formatValue(pair.key)} ` +
          `of its invoke at ${openAt}`,
      );
    }
    open.delete(process);
    // Jepsen's fault injector logs its actions as invoke/info pairs and carries on.
    if (op.type === "info" && process !== "nemesis") retired.set(process, index);
    pair.outcome = op.type;
    pair.output = op.value;
    pair.completeIndex = index;
    pair.completeTime = op.time;
  }
  return pairs;
}

type MutablePair = { -readonly [K in keyof PairedOperation]: PairedOperation[K] };

/**
 * Validates `input` as a history: each record against {@link OperationSchema}, then the
 * structure (see {@link pairOperations}). Returns the records (unknown fields dropped);
 * throws a {@link HistoryError} with the index of the first bad record and the reason.
 *
 * @example
 * ```ts
 * try {
 *   parseHistory([
 *     { process: 0, type: "invoke", f: "write", value: 1 },
 *     { process: 0, type: "invoke", f: "read", value: null },
 *   ]);
 * } catch (error) {
 *   console.log(String(error));
 *   // HistoryError: Cannot read history: operation 1: invoke on process 0 while its invoke at 0 is still open
 * }
 * ```
 */
export function parseHistory(input: unknown): History {
  if (!Array.isArray(input)) {
    throw new HistoryError(undefined, `expected an array of operations, got ${formatValue(input)}`);
  }
  const result = HistorySchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const [first, ...rest] = issue.path;
    const index = typeof first === "number" ? first : undefined;
    const described = describeIssue({ ...issue, path: rest } as typeof issue);
    const reason = rest.length === 0 && index !== undefined
      ? `must be an operation object, got ${formatValue(input[index])}`
      : `${described.path}: ${described.message}`;
    throw new HistoryError(index, reason);
  }
  const history = result.data as Operation[];
  pairOperations(history);
  return history;
}

/**
 * Like {@link parseHistory}, but returns the outcome instead of throwing.
 *
 * @example
 * ```ts
 * const json: unknown = JSON.parse('[{ "process": 0, "type": "ok", "f": "read", "value": 1 }]');
 * const result = safeParseHistory(json);
 * if (!result.success) console.log(result.error.index, result.error.reason);
 * ```
 */
export function safeParseHistory(
  input: unknown,
): { success: true; history: History } | { success: false; error: HistoryError } {
  try {
    return { success: true, history: parseHistory(input) };
  } catch (error) {
    if (error instanceof HistoryError) return { success: false, error };
    throw error;
  }
}
