/**
 * Transaction histories in Jepsen's JSON form. Each transaction is one operation with
 * `f: "txn"` whose value is a list of micro-operations: `["append", key, value]` adds a
 * value to the end of a list, `["r", key, null]` reads a key (the `ok` carries what it
 * returned: a list for a list key, a number or null for a register), `["w", key, value]`
 * writes a register. An `invoke` is followed by an `ok` (committed), a `fail` (aborted:
 * none of its writes took effect) or an `info` (unknown: it may or may not have committed).
 *
 * @module
 */
import { z } from "zod";

/** A key of the store. */
export type TxnKey = string;

/** Appends `value` to the list at `key`. */
export type AppendOp = readonly ["append", TxnKey, number];
/** Reads `key`: null in an invoke, then the list (or register value) the read returned. */
export type ReadOp = readonly ["r", TxnKey, readonly number[] | number | null];
/** Writes `value` to the register at `key`. */
export type WriteOp = readonly ["w", TxnKey, number];
/** One step of a transaction. */
export type MicroOp = AppendOp | ReadOp | WriteOp;

/** What a transaction record says happened. */
export type TxnOpType = "invoke" | "ok" | "fail" | "info";

/** One record of a transaction history. */
export interface TxnOperation {
  /** The client process that ran the transaction. */
  readonly process: number;
  /** The call (`invoke`) or how it ended. */
  readonly type: TxnOpType;
  /** Always `"txn"`. */
  readonly f: "txn";
  /** The micro-operations; in an `ok`, each read carries what it returned. */
  readonly value: readonly MicroOp[];
  /** When the record happened, in ms of simulated time. Informative only. */
  readonly time?: number;
}

/** A transaction history: records in the real-time order they happened. */
export type TxnHistory = readonly TxnOperation[];

const keyField = z.string().min(1);
const MicroOpSchema = z.union([
  z.tuple([z.literal("append"), keyField, z.number().int()]),
  z.tuple([
    z.literal("r"),
    keyField,
    z.union([z.array(z.number().int()), z.number().int(), z.null()]),
  ]),
  z.tuple([z.literal("w"), keyField, z.number().int()]),
]);

/** Zod schema of one {@link TxnOperation}. */
export const TxnOperationSchema = z.object({
  process: z.number().int().min(0),
  type: z.enum(["invoke", "ok", "fail", "info"]),
  f: z.literal("txn"),
  value: z.array(MicroOpSchema),
  time: z.number().optional(),
});

/** Thrown when a transaction history is malformed: `index` names the record, `reason` why. */
export class TxnHistoryError extends Error {
  /** The position of the offending record (undefined: the history as a whole). */
  readonly index: number | undefined;
  /** What is wrong. */
  readonly reason: string;

  /** An error about record `index`. */
  constructor(reason: string, index?: number) {
    super(
      `Cannot read the transaction history: ${
        index === undefined ? "" : `record ${index}: `
      }${reason}`,
    );
    this.name = "TxnHistoryError";
    this.index = index;
    this.reason = reason;
  }
}

// Checked by hand rather than with the schema: histories run to thousands of records and
// the schema's tuple unions cost about 0.1 ms a record; the rules are the same.
function validRecord(raw: unknown, index: number): TxnOperation {
  const fail = (reason: string): never => {
    throw new TxnHistoryError(reason, index);
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("expected an object");
  const record = raw as Record<string, unknown>;
  const { process, type, f, value, time } = record;
  if (!(typeof process === "number" && Number.isInteger(process) && process >= 0)) {
    fail(`process: expected a whole number ≥ 0, got ${JSON.stringify(process)}`);
  }
  if (!(type === "invoke" || type === "ok" || type === "fail" || type === "info")) {
    fail(`type: expected invoke, ok, fail or info, got ${JSON.stringify(type)}`);
  }
  if (f !== "txn") fail(`f: expected "txn", got ${JSON.stringify(f)}`);
  if (time !== undefined && typeof time !== "number") fail("time: expected a number");
  if (!Array.isArray(value)) fail("value: expected a list of micro-operations");
  (value as unknown[]).forEach((mop, i) => {
    const where = `value.${i}`;
    if (!Array.isArray(mop) || mop.length !== 3) fail(`${where}: expected [f, key, value]`);
    const [name, key, v] = mop as unknown[];
    if (typeof key !== "string" || key === "") fail(`${where}: the key must be a non-empty string`);
    const int = (x: unknown) => typeof x === "number" && Number.isInteger(x);
    if (name === "append" || name === "w") {
      if (!int(v)) fail(`${where}: ${name} needs a whole number, got ${JSON.stringify(v)}`);
    } else if (name === "r") {
      const ok = v === null || int(v) || (Array.isArray(v) && v.every(int));
      if (!ok) fail(`${where}: a read returns null, a whole number or a list of them`);
    } else fail(`${where}: expected "append", "r" or "w", got ${JSON.stringify(name)}`);
  });
  return record as unknown as TxnOperation;
}

/** A transaction: an invoke paired with its completion. */
export interface Transaction {
  /** Its name in figures and messages: `T` and its position among invokes, from 1. */
  readonly id: string;
  /** Its process. */
  readonly process: number;
  /** How it ended (`info` also when the history ends before it completes). */
  readonly type: "ok" | "fail" | "info";
  /** The micro-operations as completed (reads with their results when `ok`). */
  readonly ops: readonly MicroOp[];
  /** Index of its invoke record in the history. */
  readonly invokeIndex: number;
  /** Index of its completion record (Infinity when there is none). */
  readonly completeIndex: number;
}

/**
 * Validates `input` as a transaction history and pairs invokes with completions. Throws a
 * {@link TxnHistoryError} naming the record and the reason when it is malformed: a record
 * that is not a transaction, a completion without an open invoke, an invoke on a busy
 * process, a completion whose micro-operations differ from its invoke's.
 *
 * @example
 * ```ts
 * const txns = transactionsOf([
 *   { process: 0, type: "invoke", f: "txn", value: [["append", "x", 1]] },
 *   { process: 0, type: "ok", f: "txn", value: [["append", "x", 1]] },
 * ]);
 * txns[0]!.id; // "T1"
 * ```
 */
export function transactionsOf(input: unknown): Transaction[] {
  if (!Array.isArray(input)) throw new TxnHistoryError("expected an array of records");
  const open = new Map<number, { index: number; id: string; value: readonly MicroOp[] }>();
  const result: (Transaction | undefined)[] = [];
  const slotOf = new Map<string, number>();
  let count = 0;
  input.forEach((raw, index) => {
    const op = validRecord(raw, index);
    if (op.type === "invoke") {
      if (open.has(op.process)) {
        throw new TxnHistoryError(`invoke on process ${op.process}, which is still busy`, index);
      }
      for (const mop of op.value) {
        if (mop[0] === "r" && mop[2] !== null) {
          throw new TxnHistoryError("an invoke's reads must be null", index);
        }
      }
      const id = `T${++count}`;
      open.set(op.process, { index, id, value: op.value });
      slotOf.set(id, result.length);
      result.push(undefined);
      return;
    }
    const started = open.get(op.process);
    if (started === undefined) {
      throw new TxnHistoryError(
        `${op.type} on process ${op.process} without an open invoke`,
        index,
      );
    }
    open.delete(op.process);
    const same = started.value.length === op.value.length &&
      started.value.every((m, i) => m[0] === op.value[i]![0] && m[1] === op.value[i]![1]);
    if (!same) {
      throw new TxnHistoryError(
        `the ${op.type}'s micro-operations differ from its invoke's (record ${started.index})`,
        index,
      );
    }
    result[slotOf.get(started.id)!] = {
      id: started.id,
      process: op.process,
      type: op.type === "ok" ? "ok" : op.type === "fail" ? "fail" : "info",
      // A failed or unknown transaction's reads tell nothing: keep what the invoke said.
      ops: op.type === "ok" ? op.value : started.value,
      invokeIndex: started.index,
      completeIndex: index,
    };
  });
  for (const [process, started] of open) {
    result[slotOf.get(started.id)!] = {
      id: started.id,
      process,
      type: "info",
      ops: started.value,
      invokeIndex: started.index,
      completeIndex: Infinity,
    };
  }
  return result as Transaction[];
}

/**
 * One transaction as text: `append x 1 · r y [1 2]`.
 *
 * @example
 * ```ts
 * describeOps([["append", "x", 1], ["r", "y", [1, 2]]]); // "append x 1 · r y [1 2]"
 * ```
 */
export function describeOps(ops: readonly MicroOp[]): string {
  return ops.map(([f, key, value]) => {
    const shown = Array.isArray(value)
      ? `[${value.join(" ")}]`
      : value === null
      ? (f === "r" ? "?" : "null")
      : String(value);
    return `${f} ${key} ${shown}`;
  }).join(" · ");
}
