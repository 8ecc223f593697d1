/**
 * The search at the heart of the linearizability checker, for one register (one key of
 * a key-value map). It is Wing and Gong's backtracking search with Lowe's memoisation,
 * the design Porcupine made fast:
 *
 * - The history is a doubly linked list of call and return entries in real-time order.
 *   Scanning it from the head, any call met before the first return entry belongs to an
 *   operation that may take effect next. Linearizing an operation lifts its call and
 *   return out of the list (dancing links: they are spliced back in on backtrack), and
 *   the scan restarts from the head. Meeting a return entry means that operation should
 *   already have taken effect: backtrack.
 * - Lowe's memoisation: the search never explores twice a configuration (the set of
 *   operations linearized, the register's value) it has seen. Sets are bitsets in 32-bit
 *   words, hashed incrementally by XOR of a random word per operation (Zobrist hashing),
 *   in an open-addressing table whose records live in typed arrays.
 *
 * Three reductions shrink the search without changing the verdict:
 *
 * - Operations whose outcome is unknown (`info`, or never completed) have no return
 *   entry: they may take effect any time after their invoke, and the search succeeds once
 *   every operation with a known outcome is placed. Leaving an unknown operation out is
 *   the same as placing it last, where it affects nothing.
 * - An unknown read changes nothing and constrains nothing: it is dropped. So is an
 *   unknown write or cas whose new value nothing ever observes (no read returns it, no cas
 *   expects it): from the point it takes effect until the next write, no operation could
 *   be placed, so removing it from any linearization leaves a valid one.
 * - Unknown operations with the same effect (same function and arguments) are
 *   interchangeable once invoked, so they are linearized in invoke order only.
 *
 * Values are interned to small integers (null is 0, the initial value).
 *
 * @module
 */
import type { PairedOperation } from "../history/operation.ts";

/** A read, write or cas, in the compact form the search uses. */
export const READ = 0;
/** See {@link READ}. */
export const WRITE = 1;
/** See {@link READ}. */
export const CAS = 2;

/** One register's operations, ready for {@link searchLinearization}. */
export interface RegisterProblem {
  /** The operations searched (failed ones and the reductions' drops removed), in invoke order. */
  readonly ops: readonly PairedOperation[];
  /** Unknown writes and cas left out because nothing observes the value they write. */
  readonly unobserved: readonly PairedOperation[];
  /** Operation kind per op: {@link READ}, {@link WRITE} or {@link CAS}. */
  readonly kind: Uint8Array;
  /** The value read, the value written, or the value a cas expects (interned). */
  readonly a: Int32Array;
  /** The value a cas writes (interned); unused otherwise. */
  readonly b: Int32Array;
  /** 1 for operations with an unknown outcome. */
  readonly unknown: Uint8Array;
  /** The previous unknown operation with the same effect, or -1. */
  readonly classPrev: Int32Array;
  /** Position of each op's completion in the history (unknown ones: +Infinity). */
  readonly returnIndex: Float64Array;
  /** The entries (2·op for a call, 2·op + 1 for a return) in real-time order. */
  readonly entries: Int32Array;
  /** The distinct values, by interned id (0 is null). */
  readonly values: readonly unknown[];
  /** Operations with a known outcome: the search succeeds when all are placed. */
  readonly known: number;
  /**
   * An operation that can never take effect, found before searching: it observes a value
   * that no operation ever writes. Its position in `ops`, or -1.
   */
  readonly impossible: number;
}

/** Operations a model does not know, or whose value is malformed. */
export class ModelError extends TypeError {
  /** Position in the history of the offending record. */
  readonly index: number;

  /** Builds the error for the operation invoked at `index`. */
  constructor(index: number, reason: string) {
    super(`Cannot check history: operation ${index}: ${reason}`);
    this.name = "ModelError";
    this.index = index;
  }
}

/**
 * Turns one register's paired operations into a {@link RegisterProblem}: drops failed
 * operations and the ones the reductions allow, interns values, orders the entries.
 * Throws a {@link ModelError} for a function other than read, write and cas, or a cas
 * without `[expected, new]`.
 */
export function prepareRegister(
  pairs: readonly PairedOperation[],
): RegisterProblem {
  const ids = new Map<unknown, number>([[null, 0]]);
  const values: unknown[] = [null];
  const intern = (value: unknown): number => {
    const token = valueToken(value);
    let id = ids.get(token);
    if (id === undefined) {
      id = values.length;
      ids.set(token, id);
      values.push(value);
    }
    return id;
  };
  const candidates: { op: PairedOperation; kind: number; a: number; b: number }[] = [];
  const observed = new Set<number>();
  const produced = new Set<number>([0]);
  for (const op of pairs) {
    const kind = kindOf(op);
    if (op.outcome === "fail") continue;
    let a: number, b = 0;
    if (kind === READ) {
      if (op.outcome !== "ok") continue;
      a = intern(op.output === undefined ? null : op.output);
      observed.add(a);
    } else if (kind === WRITE) {
      a = intern(op.value);
      produced.add(a);
      // An ok that names a value says which was written: it must be the invoke's.
      if (op.outcome === "ok" && op.output !== undefined && intern(op.output) !== a) {
        throw new ModelError(
          op.completeIndex ?? op.invokeIndex,
          `the ok of a write carries ${formatToken(op.output)}, but its invoke (operation ` +
            `${op.invokeIndex}) wrote ${formatToken(op.value)}`,
        );
      }
    } else {
      const [expected, next] = casArguments(op);
      a = intern(expected);
      b = intern(next);
      observed.add(a);
      produced.add(b);
    }
    candidates.push({ op, kind, a, b });
  }
  const isKept = ({ op, kind, a, b }: typeof candidates[number]) =>
    op.outcome === "ok" || observed.has(kind === WRITE ? a : b);
  const kept = candidates.filter(isKept);
  const n = kept.length;
  const kind = new Uint8Array(n), a = new Int32Array(n), b = new Int32Array(n);
  const unknown = new Uint8Array(n), classPrev = new Int32Array(n).fill(-1);
  const returnIndex = new Float64Array(n);
  const lastOfClass = new Map<number, number>();
  const positions: number[] = [];
  const entryAt = new Map<number, number>();
  let known = 0, impossible = -1;
  kept.forEach((entry, i) => {
    kind[i] = entry.kind;
    a[i] = entry.a;
    b[i] = entry.b;
    positions.push(entry.op.invokeIndex);
    entryAt.set(entry.op.invokeIndex, 2 * i);
    if (entry.op.outcome === "ok") {
      known++;
      returnIndex[i] = entry.op.completeIndex!;
      positions.push(entry.op.completeIndex!);
      entryAt.set(entry.op.completeIndex!, 2 * i + 1);
      const observes = entry.kind === READ || entry.kind === CAS;
      if (observes && !produced.has(entry.a) && impossible === -1) impossible = i;
    } else {
      unknown[i] = 1;
      returnIndex[i] = Infinity;
      const effect = (entry.kind * values.length + entry.a) * values.length + entry.b;
      classPrev[i] = lastOfClass.get(effect) ?? -1;
      lastOfClass.set(effect, i);
    }
  });
  positions.sort((x, y) => x - y);
  const entries = Int32Array.from(positions, (position) => entryAt.get(position)!);
  return {
    ops: kept.map((entry) => entry.op),
    unobserved: candidates.filter((entry) => !isKept(entry)).map((entry) => entry.op),
    kind,
    a,
    b,
    unknown,
    classPrev,
    returnIndex,
    entries,
    values,
    known,
    impossible,
  };
}

function formatToken(value: unknown): string {
  return value !== null && typeof value === "object" ? canonicalJson(value) : String(
    JSON.stringify(value) ?? value,
  );
}

function kindOf(op: PairedOperation): number {
  switch (op.f) {
    case "read":
      return READ;
    case "write":
      return WRITE;
    case "cas":
      return CAS;
    default:
      throw new ModelError(
        op.invokeIndex,
        `f "${op.f}" is not a register operation (read, write or cas)`,
      );
  }
}

function casArguments(op: PairedOperation): [unknown, unknown] {
  const value = op.value;
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ModelError(op.invokeIndex, "a cas must carry [expected, new]");
  }
  return [value[0], value[1]];
}

/**
 * Primitives stand for themselves; arrays and objects by a canonical JSON text (object
 * keys sorted), so values equal in structure are one value whatever their key order.
 */
function valueToken(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return `\u0000json:${canonicalJson(value)}`;
}

/** JSON text with every object's keys in sorted order (fields holding undefined left out). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) fields.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
    }
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Limits of one search. */
export interface SearchBudget {
  /** Most model steps (attempts to place an operation) before giving up. */
  readonly maxSteps: number;
  /**
   * Most bytes the remembered configurations may take. When they would take more, the
   * search stops remembering new ones: the verdict stays exact (memoisation only avoids
   * repeating work), but the search may then need more steps. Default: no limit.
   */
  readonly maxMemoryBytes?: number | undefined;
  /** A clock and the time on it to give up at; checked every few thousand steps. */
  readonly deadline?: { readonly now: () => number; readonly at: number } | undefined;
}

/** What a search found. */
export interface SearchOutcome {
  /** `true`: linearizable; `false`: not; `"unknown"`: the budget ran out first. */
  readonly valid: boolean | "unknown";
  /** Which budget ran out, for an unknown outcome. */
  readonly exhausted?: "steps" | "time";
  /** Model steps taken. */
  readonly steps: number;
  /** Configurations remembered. */
  readonly configurations: number;
  /** Bytes the remembered configurations took at the end. */
  readonly memoryBytes: number;
  /** Whether the memory budget filled, so later configurations were not remembered. */
  readonly memoryFull: boolean;
  /**
   * The furthest the search got, for an invalid outcome: the operation (position in
   * `ops`) whose completion it could not get past, the operations placed before it in
   * order, and the register's value (interned) after them.
   */
  readonly stuck?: {
    readonly op: number;
    readonly linearized: readonly number[];
    readonly state: number;
  };
  /**
   * For a valid outcome: the operations (positions in `ops`) that take effect, in the
   * order they do. Unknown operations missing from it never take effect.
   */
  readonly order?: readonly number[];
}

const HEAD_SLOT = 0;

/**
 * Searches for a linearization of one register's operations. See the module
 * documentation for the algorithm.
 */
export function searchLinearization(problem: RegisterProblem, budget: SearchBudget): SearchOutcome {
  const n = problem.ops.length;
  if (problem.impossible >= 0) {
    return {
      valid: false,
      steps: 0,
      configurations: 0,
      stuck: { op: problem.impossible, linearized: [], state: 0 },
      memoryBytes: 0,
      memoryFull: false,
    };
  }
  if (problem.known === 0) {
    return {
      valid: true,
      steps: 0,
      configurations: 0,
      order: [],
      memoryBytes: 0,
      memoryFull: false,
    };
  }
  const { kind, a, b, unknown, classPrev, returnIndex, entries } = problem;

  // Entry e (0..2n-1) lives at slot e + 1 of the links; slot 0 is the head, -1 the end.
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = HEAD_SLOT;
  for (let i = 0; i < entries.length; i++) {
    const slot = entries[i]! + 1;
    next[last] = slot;
    prev[slot] = last;
    last = slot;
  }

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = new Int32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = mix32(i + 0x51ed27);
  const valueHash = new Int32Array(problem.values.length);
  for (let i = 0; i < valueHash.length; i++) valueHash[i] = mix32(i + 0x7f4a7c15 * 3);

  // The set of linearized operations is mostly a prefix of ones, then a few scattered
  // ones, then zeros. A configuration keeps only its window: the words from the first
  // that is not all ones (`lo`) to the last that is not all zeros (`hi`); both move
  // incrementally as operations are placed and undone. A window is canonical, so equal
  // sets have equal windows.
  const fullMask = new Uint32Array(words).fill(0xffffffff);
  if ((n & 31) !== 0) fullMask[words - 1] = (2 ** (n & 31) - 1) >>> 0;
  let lo = 0;
  let hi = -1;
  const setBit = (op: number) => {
    const w = op >>> 5;
    bits[w]! |= 1 << (op & 31);
    if (w > hi) hi = w;
    while (lo < words && bits[lo] === fullMask[lo]) lo++;
  };
  const clearBit = (op: number) => {
    const w = op >>> 5;
    bits[w]! ^= 1 << (op & 31);
    if (w < lo) lo = w;
    while (hi >= 0 && bits[hi] === 0) hi--;
  };

  // The memo: records (hash, state, window) in typed arrays, the windows' words in one
  // arena, found through an open-addressing table of record numbers plus one (0 marks a
  // free slot).
  const maxMemoryBytes = budget.maxMemoryBytes ?? Infinity;
  let capacity = 1024;
  let recHash = new Int32Array(capacity);
  let recState = new Int32Array(capacity);
  let recLo = new Int32Array(capacity);
  let recLength = new Int32Array(capacity);
  let recOffset = new Float64Array(capacity);
  let arena = new Uint32Array(Math.max(1024, words));
  let arenaUsed = 0;
  let tableSize = 4096;
  let table = new Int32Array(tableSize);
  let mask = tableSize - 1;
  let records = 0;
  let memoryFull = false;
  /** Bytes the memo holds: 24 per record slot, the arena's words, the table. */
  const bytesFor = (slots: number, arenaWords: number, tableSlots: number) =>
    slots * 24 + arenaWords * 4 + tableSlots * 4;
  const memo = () => ({ memoryBytes: bytesFor(capacity, arena.length, tableSize), memoryFull });

  /** Remembers the current configuration at table slot `probe`; false when out of memory. */
  const remember = (key: number, value: number, length: number, probe: number): boolean => {
    const nextCapacity = records === capacity ? capacity * 2 : capacity;
    let nextArena = arena.length;
    while (arenaUsed + length > nextArena) nextArena *= 2;
    const nextTable = (records + 1) * 2 > tableSize ? tableSize * 2 : tableSize;
    if (
      (nextCapacity !== capacity || nextArena !== arena.length || nextTable !== tableSize) &&
      bytesFor(nextCapacity, nextArena, nextTable) > maxMemoryBytes
    ) {
      return false;
    }
    if (nextCapacity !== capacity) {
      capacity = nextCapacity;
      recHash = grow(recHash, capacity);
      recState = grow(recState, capacity);
      recLo = grow(recLo, capacity);
      recLength = grow(recLength, capacity);
      const offsets = new Float64Array(capacity);
      offsets.set(recOffset);
      recOffset = offsets;
    }
    if (nextArena !== arena.length) {
      const wider = new Uint32Array(nextArena);
      wider.set(arena.subarray(0, arenaUsed));
      arena = wider;
    }
    recHash[records] = key;
    recState[records] = value;
    recLo[records] = lo;
    recLength[records] = length;
    recOffset[records] = arenaUsed;
    arena.set(bits.subarray(lo, lo + length), arenaUsed);
    arenaUsed += length;
    records++;
    table[probe] = records;
    if (nextTable !== tableSize) {
      tableSize = nextTable;
      mask = tableSize - 1;
      table = new Int32Array(tableSize);
      for (let rec = 0; rec < records; rec++) {
        let p = recHash[rec]! & mask;
        while (table[p] !== 0) p = (p + 1) & mask;
        table[p] = rec + 1;
      }
    }
    return true;
  };

  const stackSlot = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state = 0;
  let hash = 0;
  let remaining = problem.known;
  let steps = 0;
  const maxSteps = budget.maxSteps;
  const deadline = budget.deadline;

  let bestReturn = -1;
  let bestOp = -1;
  let bestState = 0;
  // The stack at the furthest point, copied incrementally: only the part above the lowest
  // depth reached since the last copy has changed (a full copy at every new furthest
  // point is quadratic on a long valid history).
  const bestStack = new Int32Array(n);
  let bestDepth = 0;
  let unchangedBelow = 0;

  let slot = next[HEAD_SLOT]!;
  for (;;) {
    const entry = slot - 1;
    const op = entry >>> 1;
    if ((entry & 1) === 1) {
      // A return entry: this operation should already have taken effect. Backtrack.
      const at = returnIndex[op]!;
      if (at > bestReturn) {
        bestReturn = at;
        bestOp = op;
        bestState = state;
        if (depth > unchangedBelow) {
          bestStack.set(stackSlot.subarray(unchangedBelow, depth), unchangedBelow);
        }
        bestDepth = depth;
        unchangedBelow = depth;
      }
      if (depth === 0) {
        return {
          valid: false,
          steps,
          configurations: records,
          ...memo(),
          stuck: {
            op: bestOp,
            linearized: Array.from(bestStack.subarray(0, bestDepth), (s) => (s - 1) >>> 1),
            state: bestState,
          },
        };
      }
      depth--;
      if (depth < unchangedBelow) unchangedBelow = depth;
      slot = stackSlot[depth]!;
      state = stackState[depth]!;
      const undone = (slot - 1) >>> 1;
      clearBit(undone);
      hash ^= zobrist[undone]!;
      // Splice the call (and its return) back in, in the reverse order of removal.
      if (unknown[undone] === 0) {
        remaining++;
        const ret = slot + 1;
        next[prev[ret]!] = ret;
        if (next[ret]! >= 0) prev[next[ret]!] = ret;
      }
      next[prev[slot]!] = slot;
      if (next[slot]! >= 0) prev[next[slot]!] = slot;
      slot = next[slot]!;
      continue;
    }

    if (++steps > maxSteps) {
      return {
        valid: "unknown",
        exhausted: "steps",
        steps: steps - 1,
        configurations: records,
        ...memo(),
      };
    }
    if ((steps & 4095) === 0 && deadline !== undefined && deadline.now() >= deadline.at) {
      return { valid: "unknown", exhausted: "time", steps, configurations: records, ...memo() };
    }

    const before = classPrev[op]!;
    if (before >= 0 && (bits[before >>> 5]! & (1 << (before & 31))) === 0) {
      slot = next[slot]!;
      continue;
    }
    const k = kind[op]!;
    let newState = state;
    if (k === WRITE) newState = a[op]!;
    else if (state !== a[op]!) {
      slot = next[slot]!;
      continue;
    } else if (k === CAS) newState = b[op]!;

    setBit(op);
    const newHash = hash ^ zobrist[op]!;
    const key = newHash ^ valueHash[newState]!;
    const length = hi >= lo ? hi - lo + 1 : 0;
    let probe = key & mask;
    let seen = false;
    for (;;) {
      const r = table[probe]!;
      if (r === 0) break;
      const rec = r - 1;
      if (
        recHash[rec] === key && recState[rec] === newState && recLo[rec] === lo &&
        recLength[rec] === length
      ) {
        const base = recOffset[rec]!;
        let w = 0;
        while (w < length && arena[base + w] === bits[lo + w]) w++;
        if (w === length) {
          seen = true;
          break;
        }
      }
      probe = (probe + 1) & mask;
    }
    if (seen) {
      clearBit(op);
      slot = next[slot]!;
      continue;
    }

    // Remember the configuration, while the memory budget allows.
    if (!memoryFull && !remember(key, newState, length, probe)) memoryFull = true;

    // Place the operation: lift its call and return out of the list.
    stackSlot[depth] = slot;
    stackState[depth] = state;
    depth++;
    state = newState;
    hash = newHash;
    const after = next[slot]!;
    next[prev[slot]!] = after;
    if (after >= 0) prev[after] = prev[slot]!;
    if (unknown[op] === 0) {
      const ret = slot + 1;
      const afterRet = next[ret]!;
      next[prev[ret]!] = afterRet;
      if (afterRet >= 0) prev[afterRet] = prev[ret]!;
      if (--remaining === 0) {
        const order = Array.from(stackSlot.subarray(0, depth), (s) => (s - 1) >>> 1);
        return { valid: true, steps, configurations: records, ...memo(), order };
      }
    }
    slot = next[HEAD_SLOT]!;
  }
}

function grow(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  bigger.set(array);
  return bigger;
}

/** A well-mixed 32-bit word from an integer (the finaliser of MurmurHash3). */
function mix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
