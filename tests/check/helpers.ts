/**
 * Shared pieces of the checker tests: a brute-force linearizability checker (the naive
 * twin of the real one), a compact way to write histories by hand, random histories for
 * fast-check, and the location of the Jepsen etcd data.
 */
import fc from "fast-check";
import {
  type History,
  jepsenEtcdDir,
  type Operation,
  type PairedOperation,
  pairOperations,
} from "../../lib/history/mod.ts";

/**
 * Linearizability by enumeration, straight from the definition: try every order of the
 * operations that respects real time (an operation that completed before another was
 * invoked comes first), with every subset of the unknown-outcome ones left out, and run
 * each order through a register that starts as null. Failed operations are left out.
 * Exponential: for histories of a handful of operations only.
 */
export function bruteForceLinearizable(history: History): boolean {
  const byKey = new Map<string | undefined, PairedOperation[]>();
  for (const pair of pairOperations(history)) {
    if (pair.outcome === "fail") continue;
    const group = byKey.get(pair.key) ?? [];
    group.push(pair);
    byKey.set(pair.key, group);
  }
  for (const ops of byKey.values()) {
    if (!registerLinearizable(ops)) return false;
  }
  return true;
}

function registerLinearizable(ops: readonly PairedOperation[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const mustPlace = ops.filter((op) => op.outcome === "ok").length;
  const precedes = (a: PairedOperation, b: PairedOperation) =>
    a.outcome === "ok" && a.completeIndex! < b.invokeIndex;
  const search = (value: string, count: number): boolean => {
    if (count === mustPlace) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const op = ops[i]!;
      // Every known operation that completed before this one began must already be placed.
      if (ops.some((other, j) => !placed[j] && precedes(other, op))) continue;
      const next = apply(op, value);
      if (next === undefined) continue;
      placed[i] = true;
      const found = search(next, count + (op.outcome === "ok" ? 1 : 0));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(JSON.stringify(null), 0);
}

/** The register's value after `op` (as JSON text), or undefined if `op` cannot happen now. */
function apply(op: PairedOperation, value: string): string | undefined {
  const known = op.outcome === "ok";
  switch (op.f) {
    case "read":
      if (!known) return value;
      return JSON.stringify(op.output ?? null) === value ? value : undefined;
    case "write":
      return JSON.stringify(op.value);
    case "cas": {
      const [expected, next] = op.value as [unknown, unknown];
      return JSON.stringify(expected) === value ? JSON.stringify(next) : undefined;
    }
    default:
      throw new TypeError(`Cannot apply ${op.f}`);
  }
}

/**
 * A history from short lines, one record each: `"<process> <type> <f> [value]"`, the
 * value as JSON (`0 invoke write 1`, `0 ok write 1`, `1 ok read 1`, `2 invoke cas [1,2]`);
 * a read's invoke needs no value. `key=x` anywhere in a line sets the key.
 */
export function h(...lines: string[]): Operation[] {
  return lines.map((line) => {
    const words = line.trim().split(/\s+/);
    const keyWord = words.find((word) => word.startsWith("key="));
    const [process, type, f, ...rest] = words.filter((word) => word !== keyWord);
    const text = rest.join(" ");
    return {
      process: Number(process),
      type: type as Operation["type"],
      f: f!,
      ...(keyWord === undefined ? {} : { key: keyWord.slice(4) }),
      value: text === "" ? null : JSON.parse(text),
    };
  });
}

/** One step of a random history: which process acts and how. */
interface Step {
  readonly process: number;
  readonly f: number;
  readonly value: number;
  readonly expected: number;
  readonly outcome: number;
  readonly key: number;
}

const stepArbitrary = (keys: number, values: number, unknownBias: number) =>
  fc.record({
    process: fc.integer({ min: 0, max: 2 }),
    f: fc.integer({ min: 0, max: 2 }),
    value: fc.integer({ min: 0, max: values - 1 }),
    expected: fc.integer({ min: -1, max: values - 1 }),
    outcome: fc.integer({ min: 0, max: 9 + unknownBias }),
    key: fc.integer({ min: 0, max: keys - 1 }),
  });

/** Options of {@link historyArbitrary}. */
export interface HistoryArbitraryOptions {
  /** Most invokes per history. */
  readonly maxOperations: number;
  /** How many keys (records carry a key when more than one). Default 1. */
  readonly keys?: number;
  /** Values written are 0 to values - 1; a cas may also expect null. Default 3. */
  readonly values?: number;
  /** Extra weight of unknown (info) outcomes, 0 for the base mix. Default 0. */
  readonly unknownBias?: number;
}

/**
 * Random small histories over three processes with reads, writes and cas that end ok,
 * fail or info, or stay open. Half are run against a real register (each operation takes
 * effect at a random point between its invoke and completion, or not at all for some
 * unknown outcomes), so they are linearizable unless `corrupt` changed a read's result;
 * the other half have arbitrary results.
 */
export function historyArbitrary(options: HistoryArbitraryOptions): fc.Arbitrary<Operation[]> {
  const keys = options.keys ?? 1;
  const values = options.values ?? 3;
  return fc.record({
    steps: fc.array(stepArbitrary(keys, values, options.unknownBias ?? 0), {
      minLength: options.maxOperations,
      maxLength: options.maxOperations * 4,
    }),
    real: fc.boolean(),
    corrupt: fc.option(fc.nat(), { freq: 3 }),
    corruptValue: fc.integer({ min: -1, max: values - 1 }),
  }).map(({ steps, real, corrupt, corruptValue }) => {
    const history = buildHistory(steps, real, options.maxOperations, keys);
    if (corrupt !== null) {
      const reads = history.map((op, i) => [op, i] as const)
        .filter(([op]) => op.type === "ok" && op.f === "read");
      const chosen = reads[corrupt % Math.max(1, reads.length)];
      if (chosen !== undefined) {
        const [op, i] = chosen;
        history[i] = { ...op, value: corruptValue < 0 ? null : corruptValue };
      }
    }
    return history;
  });
}

type Phase =
  | { readonly kind: "idle" }
  | { readonly kind: "invoked"; readonly f: string; readonly value: unknown; readonly key: string }
  | {
    readonly kind: "applied";
    readonly f: string;
    readonly value: unknown;
    readonly key: string;
    readonly result: unknown;
    readonly ok: boolean;
  };

function buildHistory(
  steps: readonly Step[],
  real: boolean,
  maxOperations: number,
  keys: number,
): Operation[] {
  const history: Operation[] = [];
  const registers = new Map<string, number | null>();
  const ids = [0, 1, 2];
  let nextId = 3, invokes = 0;
  const phases: Phase[] = [{ kind: "idle" }, { kind: "idle" }, { kind: "idle" }];
  const keyed = keys > 1;
  const record = (p: number, type: Operation["type"], f: string, key: string, value: unknown) =>
    history.push({
      process: ids[p]!,
      type,
      f,
      ...(keyed ? { key } : {}),
      value: value === undefined ? null : value,
    });
  for (const step of steps) {
    const p = step.process;
    const phase = phases[p]!;
    if (phase.kind === "idle") {
      if (invokes === maxOperations) continue;
      invokes++;
      const f = ["read", "write", "cas"][step.f]!;
      const key = `k${step.key}`;
      const expected = step.expected < 0 ? null : step.expected;
      const value = f === "read" ? null : f === "write" ? step.value : [expected, step.value];
      record(p, "invoke", f, key, value);
      phases[p] = { kind: "invoked", f, value, key };
      continue;
    }
    const finish = (type: Operation["type"], value: unknown) => {
      record(p, type, phase.f, phase.key, value);
      phases[p] = { kind: "idle" };
      if (type === "info") ids[p] = nextId++;
    };
    if (!real) {
      // Arbitrary outcome and result.
      const type = step.outcome < 5 ? "ok" : step.outcome < 7 ? "fail" : "info";
      const value = phase.f === "read" && type === "ok"
        ? (step.expected < 0 ? null : step.value)
        : phase.value;
      finish(type, value);
      continue;
    }
    if (phase.kind === "invoked") {
      if (step.outcome >= 8) {
        finish("info", phase.value); // lost before it took effect
        continue;
      }
      // The operation takes effect now.
      const current = registers.get(phase.key) ?? null;
      let result: unknown = phase.value, ok = true;
      if (phase.f === "read") result = current;
      else if (phase.f === "write") registers.set(phase.key, phase.value as number);
      else {
        const [expected, next] = phase.value as [number | null, number];
        ok = current === expected;
        if (ok) registers.set(phase.key, next);
      }
      phases[p] = { ...phase, kind: "applied", result, ok };
      continue;
    }
    if (step.outcome >= 7) finish("info", phase.value);
    else finish(phase.ok ? "ok" : "fail", phase.result);
  }
  return history;
}

/** The repository's folder of the Jepsen etcd histories. */
export const etcdDataDir = jepsenEtcdDir;
