/**
 * A checker of transaction histories in the spirit of Elle (Kingsbury and Alvaro, VLDB
 * 2020). List-append histories reveal the order of versions: every value appended to a key
 * is unique, a read returns the whole list, so the longest read of a key is a prefix of its
 * version order and every other read must be a prefix of it. From that order the checker
 * infers Adya's dependencies between committed transactions:
 *
 * - **ww** T1 → T2: T2 appended the version right after T1's;
 * - **wr** T1 → T2: T2 read a list whose last element T1 appended;
 * - **rw** T1 → T2 (an anti-dependency): T1 read a list that T2's append came right after;
 * - **rt** T1 → T2 (real time): T1 completed before T2 was invoked.
 *
 * A cycle of dependencies is an anomaly, named after its edges (Adya 1999): **G0** only ww
 * (write cycle); **G1c** ww and wr (circular information flow); **G-single** exactly one rw
 * (read skew, lost update); **G2-item** two or more rw (write skew). Outside cycles:
 * **G1a** a read saw an aborted transaction's append; **G1b** a read saw an intermediate
 * version (a transaction's append to a key that it appended to again). Then which levels
 * the history satisfies: read committed forbids G0 and G1; snapshot isolation also
 * G-single and lost update; serializable every cycle; strict serializable also cycles
 * through real time.
 *
 * Register micro-operations (`w`, `r` of a number) give wr edges and G1a/G1b only: a
 * register read does not say which versions came before, so ww and rw are not inferred.
 *
 * @module
 */
import { describeOps, type Transaction, transactionsOf, TxnHistoryError } from "./txn_history.ts";

/** The kinds of dependency edge. */
export type DependencyKind = "ww" | "wr" | "rw" | "rt";

/** A dependency between two transactions. */
export interface DependencyEdge {
  /** The transaction that comes first. */
  readonly from: string;
  /** The transaction that must come after it. */
  readonly to: string;
  /** Its kind. */
  readonly kind: DependencyKind;
  /** The key it is about (none for rt). */
  readonly key?: string;
}

/** The anomalies the checker names. */
export type AnomalyName =
  | "G0"
  | "G1a"
  | "G1b"
  | "G1c"
  | "G-single"
  | "G2-item"
  | "lost-update"
  | "G0-realtime"
  | "G1c-realtime"
  | "G-single-realtime"
  | "G2-item-realtime"
  | "incompatible-order"
  | "duplicate-elements"
  | "garbage-read"
  | "internal";

/** One anomaly found, with its evidence. */
export interface Anomaly {
  /** Its name. */
  readonly name: AnomalyName;
  /** The transactions involved. */
  readonly txns: readonly string[];
  /** What happened, in a sentence. */
  readonly message: string;
  /** For a cycle anomaly: its edges, in order, the last ending where the first starts. */
  readonly cycle?: readonly DependencyEdge[];
}

/** Isolation levels the checker decides. */
export type IsolationLevel =
  | "read-committed"
  | "snapshot-isolation"
  | "serializable"
  | "strict-serializable";

/** The levels, weakest first. */
export const ISOLATION_LEVELS: readonly IsolationLevel[] = [
  "read-committed",
  "snapshot-isolation",
  "serializable",
  "strict-serializable",
];

const NOT_EVEN_RC: readonly AnomalyName[] = [
  "G0",
  "G1a",
  "G1b",
  "G1c",
  "incompatible-order",
  "duplicate-elements",
  "garbage-read",
  "internal",
];

/**
 * The anomalies each level forbids. Snapshot isolation is checked through what it forbids
 * that a dependency graph can show (G0, G1, G-single, lost update); its own start-order
 * anomalies (Adya's G-SI) need commit timestamps a client history does not have, so a
 * history that passes satisfies at least "consistent view" (Adya's PL-2+).
 */
export const FORBIDDEN: Readonly<Record<IsolationLevel, readonly AnomalyName[]>> = {
  "read-committed": NOT_EVEN_RC,
  "snapshot-isolation": [...NOT_EVEN_RC, "G-single", "lost-update"],
  "serializable": [...NOT_EVEN_RC, "G-single", "lost-update", "G2-item"],
  "strict-serializable": [
    ...NOT_EVEN_RC,
    "G-single",
    "lost-update",
    "G2-item",
    "G0-realtime",
    "G1c-realtime",
    "G-single-realtime",
    "G2-item-realtime",
  ],
};

/** What the checker found in a history. */
export interface TxnCheckResult {
  /** Every transaction, by id. */
  readonly transactions: ReadonlyMap<string, Transaction>;
  /** Each list key's order of versions, recovered from its longest read. */
  readonly versionOrders: ReadonlyMap<string, readonly number[]>;
  /** Every dependency edge inferred. */
  readonly edges: readonly DependencyEdge[];
  /** Every anomaly found (a few cycles per name at most). */
  readonly anomalies: readonly Anomaly[];
  /** The names of the anomalies found, sorted, each once. */
  readonly anomalyNames: readonly AnomalyName[];
  /** Whether the history satisfies each level. */
  readonly satisfies: Readonly<Record<IsolationLevel, boolean>>;
  /** The strongest level it satisfies, or "none". */
  readonly strongest: IsolationLevel | "none";
}

/** Options of {@link checkTransactions}. */
export interface CheckTransactionsOptions {
  /** Most cycles reported per anomaly name. Default 3. */
  readonly cyclesPerAnomaly?: number;
}

/**
 * Checks a transaction history: infers dependencies, finds cycles and names anomalies,
 * and says which isolation levels the history satisfies. Throws a TxnHistoryError when
 * the history is malformed (including a value appended twice to one key).
 *
 * @example
 * ```ts
 * // Write skew: each reads both keys empty, then appends to one of them.
 * const result = checkTransactions([
 *   { process: 0, type: "invoke", f: "txn", value: [["r", "x", null], ["r", "y", null], ["append", "x", 1]] },
 *   { process: 1, type: "invoke", f: "txn", value: [["r", "x", null], ["r", "y", null], ["append", "y", 2]] },
 *   { process: 0, type: "ok", f: "txn", value: [["r", "x", []], ["r", "y", []], ["append", "x", 1]] },
 *   { process: 1, type: "ok", f: "txn", value: [["r", "x", []], ["r", "y", []], ["append", "y", 2]] },
 *   { process: 2, type: "invoke", f: "txn", value: [["r", "x", null], ["r", "y", null]] },
 *   { process: 2, type: "ok", f: "txn", value: [["r", "x", [1]], ["r", "y", [2]]] },
 * ]);
 * result.anomalyNames; // ["G2-item"]
 * result.strongest; // "snapshot-isolation"
 * ```
 */
export function checkTransactions(
  history: unknown,
  options: CheckTransactionsOptions = {},
): TxnCheckResult {
  const txns = transactionsOf(history);
  const byId = new Map(txns.map((t) => [t.id, t]));
  const anomalies: Anomaly[] = [];
  const inGraph = (t: Transaction | undefined) => t !== undefined && t.type !== "fail";

  // Who appended each value to each key (values are unique per key), and who wrote each
  // register value.
  const appender = new Map<string, Map<number, { txn: Transaction; last: boolean }>>();
  const registerWriter = new Map<string, Map<number, { txn: Transaction; last: boolean }>>();
  for (const txn of txns) {
    for (const [i, op] of txn.ops.entries()) {
      if (op[0] === "r") continue;
      const table = op[0] === "append" ? appender : registerWriter;
      const perKey = table.get(op[1]) ?? new Map();
      table.set(op[1], perKey);
      if (perKey.has(op[2])) {
        const other = perKey.get(op[2])!.txn;
        throw new TxnHistoryError(
          `${op[0]} ${op[1]} ${op[2]} appears twice (records ${other.invokeIndex} and ` +
            `${txn.invokeIndex}): written values must be unique per key`,
          txn.invokeIndex,
        );
      }
      const later = txn.ops.slice(i + 1).some((o) => o[0] === op[0] && o[1] === op[1]);
      perKey.set(op[2], { txn, last: !later });
    }
  }

  // Internal consistency, and the part of each read that others wrote.
  interface ListRead {
    readonly txn: Transaction;
    readonly key: string;
    readonly list: readonly number[];
    readonly external: readonly number[];
    readonly appendsAfter: boolean;
  }
  const listReads: ListRead[] = [];
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    const pending = new Map<string, number[]>();
    const registers = new Map<string, number>();
    for (const [i, op] of txn.ops.entries()) {
      const [f, key] = op;
      if (f === "append") pending.set(key, [...pending.get(key) ?? [], op[2]]);
      else if (f === "w") registers.set(key, op[2]);
      else if (Array.isArray(op[2]) || (op[2] === null && appender.has(key))) {
        // A read must end with the transaction's own appends so far. A read that differs
        // from an earlier one in what others wrote is a fuzzy read, not an internal
        // contradiction: it shows as a cycle (T rw-> W wr-> T).
        // A list never appended to reads as nothing (null), as in Jepsen's histories.
        const list = (op[2] ?? []) as readonly number[];
        const own = pending.get(key) ?? [];
        const future = txn.ops.slice(i + 1).filter((o) => o[0] === "append" && o[1] === key)
          .map((o) => o[2]);
        const early = list.find((v) => future.includes(v as number));
        if (early !== undefined) {
          anomalies.push({
            name: "internal",
            txns: [txn.id],
            message: `${txn.id} read ${key} = [${list.join(" ")}], which holds ${early}, ` +
              `which it appends only later`,
          });
        } else if (!sameList(list.slice(Math.max(0, list.length - own.length)), own)) {
          anomalies.push({
            name: "internal",
            txns: [txn.id],
            message: `${txn.id} read ${key} = [${list.join(" ")}], which does not end with ` +
              `its own appends (${own.join(" ")})`,
          });
        }
        const mine = (v: number) => appender.get(key)?.get(v)?.txn === txn;
        const firstMine = list.findIndex(mine);
        listReads.push({
          txn,
          key,
          list,
          external: firstMine < 0 ? list : list.slice(0, firstMine),
          appendsAfter: txn.ops.slice(i + 1).some((o) => o[0] === "append" && o[1] === key),
        });
      } else if (registers.has(key) && op[2] !== registers.get(key)) {
        anomalies.push({
          name: "internal",
          txns: [txn.id],
          message: `${txn.id} read ${key} = ${op[2]} after writing ${registers.get(key)}`,
        });
      }
    }
  }

  // Version orders from the longest read of each key.
  const order = new Map<string, number[]>();
  const readsOf = groupBy(listReads, (r) => r.key);
  for (const [key, reads] of readsOf) {
    const writers = appender.get(key) ?? new Map();
    for (const read of reads) {
      if (new Set(read.list).size !== read.list.length) {
        anomalies.push({
          name: "duplicate-elements",
          txns: [read.txn.id],
          message: `${read.txn.id} read ${key} = [${read.list.join(" ")}], with a value twice`,
        });
      }
      const unknown = read.list.filter((v) => !writers.has(v));
      if (unknown.length > 0) {
        anomalies.push({
          name: "garbage-read",
          txns: [read.txn.id],
          message: `${read.txn.id} read ${key} = [${read.list.join(" ")}]: nobody appended ` +
            unknown.join(", "),
        });
      }
    }
    const longest = reads.reduce((a, b) => (b.list.length > a.list.length ? b : a));
    for (const read of reads) {
      if (!sameList(read.list, longest.list.slice(0, read.list.length))) {
        anomalies.push({
          name: "incompatible-order",
          txns: [read.txn.id, longest.txn.id],
          message: `${read.txn.id} read ${key} = [${read.list.join(" ")}] and ` +
            `${longest.txn.id} read [${longest.list.join(" ")}]: neither is a prefix of the other`,
        });
        break;
      }
    }
    order.set(key, longest.list.filter((v) => writers.has(v)));
  }

  const edges: DependencyEdge[] = [];
  const seenEdge = new Set<string>();
  const addEdge = (from: Transaction, to: Transaction, kind: DependencyKind, key?: string) => {
    if (from === to || !inGraph(from) || !inGraph(to)) return;
    const name = `${from.id} ${to.id} ${kind} ${key ?? ""}`;
    if (seenEdge.has(name)) return;
    seenEdge.add(name);
    edges.push(
      key === undefined ? { from: from.id, to: to.id, kind } : {
        from: from.id,
        to: to.id,
        kind,
        key,
      },
    );
  };

  // ww: consecutive versions of committed (or possibly committed) writers.
  for (const [key, versions] of order) {
    const writers = appender.get(key)!;
    // One transaction's appends must appear in the order it made them.
    const seen = new Map<Transaction, number>();
    for (const v of versions) {
      const { txn } = writers.get(v)!;
      const position = txn.ops.findIndex((o) => o[0] === "append" && o[1] === key && o[2] === v);
      if ((seen.get(txn) ?? -1) > position) {
        anomalies.push({
          name: "incompatible-order",
          txns: [txn.id],
          message: `reads of ${key} show ${txn.id}'s appends out of the order it made them`,
        });
      }
      seen.set(txn, position);
    }
    const kept = versions.map((v) => writers.get(v)!.txn).filter(inGraph);
    for (let i = 1; i < kept.length; i++) addEdge(kept[i - 1]!, kept[i]!, "ww", key);
  }

  // wr and rw from each read; G1a and G1b from what the read saw.
  const lostUpdate = new Map<string, Transaction[]>();
  for (const read of listReads) {
    const writers = appender.get(read.key) ?? new Map();
    for (const v of read.list) {
      const writer = writers.get(v);
      if (writer?.txn.type === "fail") {
        anomalies.push({
          name: "G1a",
          txns: [writer.txn.id, read.txn.id],
          message: `${read.txn.id} read ${read.key} = [${read.list.join(" ")}], which holds ` +
            `${v}, appended by ${writer.txn.id}, which aborted`,
        });
      }
    }
    const last = read.external.at(-1);
    if (last !== undefined) {
      const writer = writers.get(last);
      if (writer !== undefined) {
        addEdge(writer.txn, read.txn, "wr", read.key);
        if (!writer.last && writer.txn !== read.txn) {
          anomalies.push({
            name: "G1b",
            txns: [writer.txn.id, read.txn.id],
            message: `${read.txn.id} read ${read.key} = [${read.list.join(" ")}], ending at ` +
              `${last}: an intermediate version, as ${writer.txn.id} appended to ${read.key} again`,
          });
        }
      }
    }
    const versions = order.get(read.key) ?? [];
    const next = versions.slice(read.external.length)
      .map((v) => writers.get(v)!.txn)
      .find(inGraph);
    // After an intermediate version comes its own writer's next one: that is G1b, not an
    // anti-dependency.
    const intermediate = last !== undefined && writers.get(last)?.txn === next;
    if (next !== undefined && !intermediate) addEdge(read.txn, next, "rw", read.key);
    if (read.appendsAfter && sameList(read.external, read.list)) {
      const group = `${read.key}\u0000${read.external.join(",")}`;
      lostUpdate.set(group, [...lostUpdate.get(group) ?? [], read.txn]);
    }
  }
  for (const [group, readers] of lostUpdate) {
    const distinct = [...new Set(readers)];
    if (distinct.length < 2) continue;
    const key = group.split("\u0000")[0]!;
    const list = group.split("\u0000")[1]!.replaceAll(",", " ");
    anomalies.push({
      name: "lost-update",
      txns: distinct.map((t) => t.id),
      message: `${distinct.map((t) => t.id).join(" and ")} each read ${key} = [${list}] ` +
        `and then appended to it: one's update is lost on the other`,
    });
  }

  // Register reads: wr edges, aborted and intermediate reads.
  for (const txn of txns) {
    if (txn.type !== "ok") continue;
    for (const op of txn.ops) {
      if (op[0] !== "r" || typeof op[2] !== "number") continue;
      const writer = registerWriter.get(op[1])?.get(op[2]);
      if (writer === undefined) {
        anomalies.push({
          name: "garbage-read",
          txns: [txn.id],
          message: `${txn.id} read ${op[1]} = ${op[2]}, which nobody wrote`,
        });
        continue;
      }
      if (writer.txn.type === "fail") {
        anomalies.push({
          name: "G1a",
          txns: [writer.txn.id, txn.id],
          message: `${txn.id} read ${op[1]} = ${op[2]}, written by ${writer.txn.id}, which aborted`,
        });
      } else if (!writer.last && writer.txn !== txn) {
        anomalies.push({
          name: "G1b",
          txns: [writer.txn.id, txn.id],
          message: `${txn.id} read ${op[1]} = ${op[2]}, which ${writer.txn.id} overwrote itself`,
        });
      }
      addEdge(writer.txn, txn, "wr", op[1]);
    }
  }

  // Real time: T1 → T2 when T1 completed before T2 was invoked; only the frontier (edges
  // implied through a third transaction are left out).
  const graphTxns = txns.filter(inGraph);
  const byCompletion = [...graphTxns].sort((a, b) => a.completeIndex - b.completeIndex);
  for (const t2 of graphTxns) {
    const before = byCompletion.filter((t1) => t1.completeIndex < t2.invokeIndex);
    const latestInvoke = Math.max(-1, ...before.map((t1) => t1.invokeIndex));
    for (const t1 of before) if (t1.completeIndex > latestInvoke) addEdge(t1, t2, "rt");
  }

  anomalies.push(...findCycles(edges, options.cyclesPerAnomaly ?? 3));
  const anomalyNames = [...new Set(anomalies.map((a) => a.name))].sort();
  const satisfies = Object.fromEntries(
    ISOLATION_LEVELS.map((level) => [
      level,
      !anomalyNames.some((name) => FORBIDDEN[level].includes(name)),
    ]),
  ) as Record<IsolationLevel, boolean>;
  const strongest = [...ISOLATION_LEVELS].reverse().find((level) => satisfies[level]) ?? "none";
  return {
    transactions: byId,
    versionOrders: order,
    edges,
    anomalies,
    anomalyNames,
    satisfies,
    strongest,
  };
}

/**
 * Whether a checked history satisfies `level`, with the anomalies that rule it out.
 *
 * @example
 * ```ts
 * const verdict = satisfiesLevel(checkTransactions([]), "serializable");
 * verdict.valid; // true
 * ```
 */
export function satisfiesLevel(
  result: TxnCheckResult,
  level: IsolationLevel,
): { valid: boolean; anomalies: Anomaly[] } {
  const against = result.anomalies.filter((a) => FORBIDDEN[level].includes(a.name));
  return { valid: against.length === 0, anomalies: against };
}

/**
 * A cycle's edges as one line: `T1 -ww(x)-> T2 -rw(y)-> T1`.
 *
 * @example
 * ```ts
 * describeCycle([{ from: "T1", to: "T2", kind: "ww", key: "x" }, { from: "T2", to: "T1", kind: "rw", key: "y" }]);
 * // "T1 -ww(x)-> T2 -rw(y)-> T1"
 * ```
 */
export function describeCycle(cycle: readonly DependencyEdge[]): string {
  if (cycle.length === 0) return "";
  return cycle[0]!.from +
    cycle.map((e) => ` -${e.kind}${e.key === undefined ? "" : `(${e.key})`}-> ${e.to}`).join("");
}

/** One transaction as `T1: append x 1 · r y [1]`, for messages and figures. */
export function describeTransaction(txn: Transaction): string {
  return `${txn.id}${txn.type === "ok" ? "" : ` (${txn.type})`}: ${describeOps(txn.ops)}`;
}

interface Search {
  /** Edge kinds the path back may use. */
  readonly path: ReadonlySet<DependencyKind>;
  /** Edge kinds the cycle starts with. */
  readonly start: DependencyKind;
  /** The search stops early once it has found enough of these (what only it can find). */
  readonly finds: readonly AnomalyName[];
}

// Each search is exact for what it looks for: the shortest cycle through an edge of the
// start kind whose other edges are of the path kinds. A ww-only cycle is G0; one through a
// wr edge over ww and wr is G1c; one rw edge closed by ww and wr is G-single. The fourth
// finds a cycle through every rw edge that is on any cycle (G2-item when it has two rw
// edges or more; a shorter G-single through the same edge hides a longer write skew), so
// every cycle of the graph shows up as some anomaly.
const SEARCHES: readonly Search[] = [
  { start: "ww", path: new Set(["ww"]), finds: ["G0"] },
  { start: "wr", path: new Set(["ww", "wr"]), finds: ["G1c"] },
  { start: "rw", path: new Set(["ww", "wr"]), finds: ["G-single"] },
  { start: "rw", path: new Set(["ww", "wr", "rw"]), finds: ["G2-item"] },
  {
    start: "rt",
    path: new Set(["ww", "wr", "rw", "rt"]),
    finds: ["G0-realtime", "G1c-realtime", "G-single-realtime", "G2-item-realtime"],
  },
];

function findCycles(edges: readonly DependencyEdge[], perName: number): Anomaly[] {
  const out = new Map<DependencyKind | string, Map<string, Anomaly>>();
  const bySource = groupBy(edges, (e) => e.from);
  const enough = (name: AnomalyName) => (out.get(name)?.size ?? 0) >= perName;
  for (const search of SEARCHES) {
    // Only an edge inside a strongly connected component of the edges this search may
    // use can close a cycle: a graph without such cycles costs no search at all.
    const component = strongComponents(
      edges.filter((e) => e.kind === search.start || search.path.has(e.kind)),
    );
    let foundHere = 0;
    for (const first of edges) {
      // Real-time cycles come in four names, some of which a history may never show:
      // a few of any name settle strict serializability.
      if (search.start === "rt" ? foundHere >= perName : search.finds.every(enough)) break;
      if (first.kind !== search.start) continue;
      if (component.get(first.from) !== component.get(first.to)) continue;
      const back = shortestPath(bySource, first.to, first.from, search);
      if (back === undefined) continue;
      const cycle = [first, ...back];
      const name = classify(cycle);
      const found = out.get(name) ?? new Map<string, Anomaly>();
      out.set(name, found);
      const members = [...new Set(cycle.map((e) => e.from))];
      const signature = [...members].sort().join(" ");
      if (found.size >= perName || found.has(signature)) continue;
      foundHere++;
      found.set(signature, {
        name,
        txns: members,
        message: `a cycle of dependencies: ${describeCycle(cycle)}`,
        cycle,
      });
    }
  }
  return [...out.values()].flatMap((found) => [...found.values()]);
}

function classify(cycle: readonly DependencyEdge[]): AnomalyName {
  const rw = cycle.filter((e) => e.kind === "rw").length;
  const base = rw >= 2
    ? "G2-item"
    : rw === 1
    ? "G-single"
    : cycle.some((e) => e.kind === "wr")
    ? "G1c"
    : "G0";
  return (cycle.some((e) => e.kind === "rt") ? `${base}-realtime` : base) as AnomalyName;
}

/** Breadth-first search for the shortest path from `from` to `to` over allowed edges. */
function shortestPath(
  bySource: ReadonlyMap<string, readonly DependencyEdge[]>,
  from: string,
  to: string,
  search: Search,
): DependencyEdge[] | undefined {
  const via = new Map<string, { edge: DependencyEdge; prev: string } | null>([[from, null]]);
  let frontier = [from];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const edge of bySource.get(node) ?? []) {
        if (!search.path.has(edge.kind) || via.has(edge.to)) continue;
        via.set(edge.to, { edge, prev: node });
        if (edge.to === to) {
          const path: DependencyEdge[] = [];
          for (let s: string = to; via.get(s) !== null;) {
            const step = via.get(s)!;
            path.unshift(step.edge);
            s = step.prev;
          }
          return path;
        }
        next.push(edge.to);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Tarjan's strongly connected components: node → component number. */
function strongComponents(edges: readonly DependencyEdge[]): Map<string, number> {
  const bySource = groupBy(edges, (e) => e.from);
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const index = new Map<string, number>(), low = new Map<string, number>();
  const onStack = new Set<string>(), stack: string[] = [], component = new Map<string, number>();
  let counter = 0, components = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    // Iterative depth-first search, so long chains do not overflow the call stack.
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const out = bySource.get(frame.node) ?? [];
      if (frame.edge < out.length) {
        const next = out[frame.edge++]!.to;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ node: next, edge: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
          onStack.delete(member);
          component.set(member, components);
          if (member === frame.node) break;
        }
        components++;
      }
    }
  }
  return component;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
