/**
 * Naive twins of the weak-model checkers, straight from the definitions by exhaustive
 * search, and random differentiated histories (each value written once per key) for
 * fast-check. Exponential: for histories of a handful of operations only.
 */
import fc from "fast-check";
import {
  type History,
  type Operation,
  type PairedOperation,
  pairOperations,
} from "../../lib/history/mod.ts";
import type { SessionGuarantee } from "../../lib/check/mod.ts";

/** A history's operations the way the definitions see them. */
interface Prepared {
  readonly ops: PairedOperation[];
  /** Per op: the index (in ops) of the write it read from, -1 for null, undefined for writes. */
  readonly rf: (number | undefined)[];
  /** Each process's ops (indices into ops), in session order. */
  readonly sessions: number[][];
}

/**
 * Every way of reading the history: failed ops and unknown reads dropped, each unknown
 * write in or out (every subset), read-from taken from the values. Returns undefined for
 * a read of a value no write in the subset wrote.
 */
function* readings(history: History): Generator<Prepared | undefined> {
  const pairs = pairOperations(history).filter((p) =>
    p.outcome !== "fail" && !(p.f === "read" && p.outcome !== "ok")
  );
  const unknown = pairs.filter((p) => p.f === "write" && p.outcome !== "ok");
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const ops = pairs.filter((p) => {
      const u = unknown.indexOf(p);
      return u < 0 || (mask & (1 << u)) !== 0;
    });
    // -1: read the initial value; -2: read a value no write here wrote.
    const rf = ops.map((op) => {
      if (op.f !== "read") return undefined;
      if (op.output === null) return -1;
      const at = ops.findIndex((w) =>
        w.f === "write" && w.key === op.key && JSON.stringify(w.value) === JSON.stringify(op.output)
      );
      return at < 0 ? -2 : at;
    });
    if (rf.includes(-2)) {
      yield undefined;
      continue;
    }
    const names = [...new Set(ops.map((op) => op.process))];
    const sessions = names.map((name) =>
      ops.map((op, i) => [op, i] as const).filter(([op]) => op.process === name).map(([, i]) => i)
    );
    yield { ops, rf, sessions };
  }
}

/** Whether some order of `members` extending `before` makes every read in it legal. */
function someLegalOrder(
  p: Prepared,
  members: number[],
  before: (a: number, b: number) => boolean,
): boolean {
  const placed = new Set<number>();
  const last = new Map<string | undefined, number>();
  const search = (): boolean => {
    if (placed.size === members.length) return true;
    for (const m of members) {
      if (placed.has(m)) continue;
      if (members.some((o) => !placed.has(o) && o !== m && before(o, m))) continue;
      const op = p.ops[m]!;
      if (op.f === "read" && (last.get(op.key) ?? -1) !== p.rf[m]) continue;
      const previous = last.get(op.key);
      if (op.f === "write") last.set(op.key, m);
      placed.add(m);
      const ok = search();
      placed.delete(m);
      if (op.f === "write") {
        if (previous === undefined) last.delete(op.key);
        else last.set(op.key, previous);
      }
      if (ok) return true;
    }
    return false;
  };
  return search();
}

function sessionBefore(p: Prepared): (a: number, b: number) => boolean {
  const position = new Map<number, [number, number]>();
  p.sessions.forEach((s, si) => s.forEach((op, i) => position.set(op, [si, i])));
  return (a, b) => {
    const [sa, ia] = position.get(a)!;
    const [sb, ib] = position.get(b)!;
    return sa === sb && ia < ib;
  };
}

/** Causal order: session order and writes-into, closed transitively (a cycle: undefined). */
function causal(p: Prepared): boolean[][] | undefined {
  const n = p.ops.length;
  const so = sessionBefore(p);
  const r = Array.from(
    { length: n },
    (_, a) => Array.from({ length: n }, (_, b) => so(a, b) || p.rf[b] === a),
  );
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) if (r[a]![k] && r[k]![b]) r[a]![b] = true;
    }
  }
  for (let a = 0; a < n; a++) if (r[a]![a]) return undefined;
  return r;
}

/** Sequential consistency by enumeration of every interleaving. */
export function bruteForceSequential(history: History): boolean {
  for (const p of readings(history)) {
    if (p === undefined) continue;
    if (someLegalOrder(p, p.ops.map((_, i) => i), sessionBefore(p))) return true;
  }
  return false;
}

/** Causal memory by enumeration: a legal view per process extending the causal order. */
export function bruteForceCausal(history: History): boolean {
  for (const p of readings(history)) {
    if (p === undefined) continue;
    const co = causal(p);
    if (co === undefined) continue;
    const ok = p.sessions.every((session) => {
      const members = p.ops.map((_, i) => i).filter((i) =>
        p.ops[i]!.f === "write" || session.includes(i)
      );
      return someLegalOrder(p, members, (a, b) => co[a]![b]!);
    });
    if (ok) return true;
  }
  return false;
}

/**
 * A session guarantee by enumeration: for each process and key, some order of the key's
 * writes (initial value first) in which every read returns a write no earlier than each
 * write the guarantee requires it to reflect.
 */
export function bruteForceSession(
  history: History,
  guarantee: SessionGuarantee | readonly SessionGuarantee[],
): boolean {
  for (const p of readings(history)) {
    if (p === undefined) continue;
    if (sessionHolds(p, guarantee)) return true;
  }
  return false;
}

function sessionHolds(
  p: Prepared,
  guarantee: SessionGuarantee | readonly SessionGuarantee[],
): boolean {
  const so = sessionBefore(p);
  const guarantees = typeof guarantee === "string" ? [guarantee] : guarantee;
  const required = (r: number): number[] => guarantees.flatMap((g) => requiredBy(r, g));
  const requiredBy = (r: number, guarantee: SessionGuarantee): number[] => {
    const mine = p.sessions.find((s) => s.includes(r))!;
    const earlier = mine.filter((x) => so(x, r));
    const seen = [...earlier, r].filter((x) => p.ops[x]!.f === "read" && p.rf[x]! >= 0)
      .map((x) => p.rf[x]!);
    switch (guarantee) {
      case "read-your-writes":
        return earlier.filter((x) => p.ops[x]!.f === "write");
      case "monotonic-reads":
        return earlier.filter((x) => p.ops[x]!.f === "read" && p.rf[x]! >= 0).map((x) => p.rf[x]!);
      case "monotonic-writes":
        return seen.flatMap((w) =>
          p.ops.map((_, x) => x).filter((x) => p.ops[x]!.f === "write" && so(x, w))
        );
      case "writes-follow-reads":
        return seen.flatMap((w) =>
          p.ops.map((_, x) => x).filter((x) => p.ops[x]!.f === "read" && so(x, w) && p.rf[x]! >= 0)
            .map((x) => p.rf[x]!)
        );
    }
  };
  for (const session of p.sessions) {
    const keys = [...new Set(p.ops.map((op) => op.key))];
    for (const key of keys) {
      const writes = p.ops.map((_, i) => i).filter((i) =>
        p.ops[i]!.f === "write" && p.ops[i]!.key === key
      );
      const reads = session.filter((i) => p.ops[i]!.f === "read" && p.ops[i]!.key === key);
      const fits = (order: number[]) =>
        reads.every((r) => {
          const at = p.rf[r] === -1 ? -1 : order.indexOf(p.rf[r]!);
          return required(r).filter((w) => p.ops[w]!.key === key)
            .every((w) => w === p.rf[r] || order.indexOf(w) <= at);
        });
      // With read-your-writes in the view, the session's own writes are seen: what must
      // precede them under monotonic writes and writes follow reads comes first.
      const own = guarantees.includes("read-your-writes")
        ? session.filter((w) => p.ops[w]!.f === "write" && p.ops[w]!.key === key)
        : [];
      const preds = (w: number) =>
        [
          ...(guarantees.includes("monotonic-writes")
            ? p.ops.map((_, x) => x).filter((x) => p.ops[x]!.f === "write" && so(x, w))
            : []),
          ...(guarantees.includes("writes-follow-reads")
            ? p.ops.map((_, x) => x).filter((x) =>
              p.ops[x]!.f === "read" && so(x, w) && p.rf[x]! >= 0
            )
              .map((x) => p.rf[x]!)
            : []),
        ].filter((x) => p.ops[x]!.key === key && x !== w);
      const ordered = (order: number[]) =>
        own.every((w) => preds(w).every((x) => order.indexOf(x) < order.indexOf(w)));
      if (!permutations(writes).some((order) => fits(order) && ordered(order))) return false;
    }
  }
  return true;
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest])
  );
}

/** Options of {@link differentiatedHistory}. */
export interface DifferentiatedOptions {
  /** Most processes. Default 3. */
  readonly processes?: number;
  /** Most operations in all. Default 7. */
  readonly maxOperations?: number;
  /** Keys (1: a register without keys). Default 2. */
  readonly keys?: number;
  /** Whether writes may fail or end unknown. Default true. */
  readonly outcomes?: boolean;
}

/**
 * Random histories in which each value is written once per key: random operations per
 * process, interleaved in random real-time order (some overlapping), each read returning
 * null or the value of some write of its key (earlier, concurrent or even later: the
 * checkers must catch the impossible ones).
 */
export function differentiatedHistory(options: DifferentiatedOptions = {}): fc.Arbitrary<History> {
  const { processes = 3, maxOperations = 7, keys = 2, outcomes = true } = options;
  const op = fc.record({
    process: fc.integer({ min: 0, max: processes - 1 }),
    write: fc.boolean(),
    key: fc.integer({ min: 0, max: keys - 1 }),
    pick: fc.nat(),
    outcome: outcomes
      ? fc.constantFrom("ok", "ok", "ok", "ok", "ok", "ok", "fail", "info")
      : fc.constant("ok"),
    overlap: fc.boolean(),
  });
  return fc.array(op, { minLength: 1, maxLength: maxOperations }).map((drafts) => {
    const keyName = (k: number) => keys === 1 ? undefined : `k${k}`;
    // Values: write number i writes i + 1; reads pick among their key's writes or null.
    const writes = drafts.map((d, i) => ({ ...d, i })).filter((d) => d.write);
    const records: Operation[] = [];
    const retired = new Set<number>();
    const open: { process: number; record: Operation }[] = [];
    const close = (at: number) => {
      const { record } = open.splice(at, 1)[0]!;
      records.push(record);
    };
    for (const [i, d] of drafts.entries()) {
      if (retired.has(d.process)) continue;
      const openAt = open.findIndex((o) => o.process === d.process);
      if (openAt >= 0) close(openAt);
      const key = keyName(d.key);
      const base = { process: d.process, f: d.write ? "write" : "read" } as const;
      const keyed = key === undefined ? {} : { key };
      let completion: Operation;
      if (d.write) {
        const value = i + 1;
        records.push({ ...base, ...keyed, type: "invoke", value });
        const type = d.outcome as "ok" | "fail" | "info";
        completion = { ...base, ...keyed, type, value };
        if (type === "info") retired.add(d.process);
      } else {
        const options = [null, ...writes.filter((w) => w.key === d.key).map((w) => w.i + 1)];
        const value = options[d.pick % options.length]!;
        records.push({ ...base, ...keyed, type: "invoke", value: null });
        completion = { ...base, ...keyed, type: "ok", value };
      }
      open.push({ process: d.process, record: completion });
      if (!d.overlap) close(open.length - 1);
    }
    while (open.length > 0) close(0);
    return records;
  });
}

/** A history of operations one after another: [process, read | write, key, value], each completing before the next. */
export function serial(...ops: [number, "read" | "write", string, number | null][]): History {
  return ops.flatMap(([process, f, key, value]) => [
    { process, type: "invoke" as const, f, key, value: f === "read" ? null : value },
    { process, type: "ok" as const, f, key, value },
  ]);
}
