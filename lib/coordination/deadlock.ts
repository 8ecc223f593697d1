/**
 * Distributed deadlock. Transactions lock resources that live on different sites; a
 * transaction that asks for a lock someone else holds waits for the holder. Each site
 * sees only its own waits (its local wait-for graph); a deadlock is a cycle that may run
 * through several sites, so no site sees it alone.
 *
 * Two ways to find it:
 * - a coordinator collects every site's local graph and looks for a cycle in their
 *   union (global detection). The local graphs are collected at different moments, so
 *   the union may hold edges that never existed together: a cycle in it can be a phantom
 *   deadlock, and aborting a victim for it is needless.
 * - edge chasing (Chandy, Misra and Haas, 1983): a blocked transaction sends a probe
 *   (initiator, sender, receiver) along each of its wait-for edges; a blocked receiver
 *   forwards it along each of its own, once per initiator; if the probe comes back to
 *   its initiator, the initiator is on a cycle. In the AND model a transaction waits for
 *   every holder at once, so a probe must follow every outgoing edge.
 *
 * Either way a victim is aborted to break the cycle: here the youngest transaction on it
 * (latest start), which has done the least work and, restarted with its old timestamp,
 * will not starve.
 *
 * @module
 */
import type { Random } from "../sim/random.ts";

/** One wait: `waiter` waits for `holder` to release a lock at `site`. */
export interface WaitEdge {
  /** The waiting transaction. */
  readonly waiter: string;
  /** The transaction holding the lock it wants. */
  readonly holder: string;
  /** The site whose lock table has this wait. */
  readonly site: string;
  /** The resource, when known. */
  readonly resource?: string;
}

/** A lock request or a release, at a time, in a history of lock operations. */
export type LockEvent =
  | {
    readonly atMs: number;
    readonly kind: "request";
    readonly txn: string;
    readonly site: string;
    readonly resource: string;
  }
  | {
    readonly atMs: number;
    readonly kind: "release";
    readonly txn: string;
    readonly site: string;
    readonly resource: string;
  }
  | { readonly atMs: number; readonly kind: "abort"; readonly txn: string };

/**
 * Exclusive locks on resources spread over sites, each with a FIFO queue of waiters.
 *
 * @example
 * ```ts
 * const locks = new DistributedLockTable();
 * locks.request("T1", "s1", "A"); // true: granted
 * locks.request("T2", "s1", "A"); // false: T2 waits for T1
 * locks.localEdges("s1"); // [{ waiter: "T2", holder: "T1", site: "s1", resource: "A" }]
 * ```
 */
export class DistributedLockTable {
  readonly #locks = new Map<
    string,
    { site: string; resource: string; holder: string; queue: string[] }
  >();

  /** Asks for an exclusive lock; true if granted now, false if the transaction waits. */
  request(txn: string, site: string, resource: string): boolean {
    const key = `${site}/${resource}`;
    const lock = this.#locks.get(key);
    if (lock === undefined) {
      this.#locks.set(key, { site, resource, holder: txn, queue: [] });
      return true;
    }
    if (lock.holder === txn) return true;
    if (!lock.queue.includes(txn)) lock.queue.push(txn);
    return false;
  }

  /** Releases `txn`'s lock (and withdraws its waiting request); the next waiter gets it. */
  release(txn: string, site: string, resource: string): void {
    const key = `${site}/${resource}`;
    const lock = this.#locks.get(key);
    if (lock === undefined) return;
    lock.queue = lock.queue.filter((t) => t !== txn);
    if (lock.holder !== txn) return;
    const next = lock.queue.shift();
    if (next === undefined) this.#locks.delete(key);
    else lock.holder = next;
  }

  /** Aborts `txn`: releases every lock it holds and withdraws every request, on every site. */
  abort(txn: string): void {
    for (const lock of [...this.#locks.values()]) this.release(txn, lock.site, lock.resource);
  }

  /** The wait-for edges of one site: each waiter waits for the holder of its resource. */
  localEdges(site: string): WaitEdge[] {
    const edges: WaitEdge[] = [];
    for (const lock of this.#locks.values()) {
      if (lock.site !== site) continue;
      for (const waiter of lock.queue) {
        edges.push({ waiter, holder: lock.holder, site, resource: lock.resource });
      }
    }
    return edges;
  }

  /** Every site with a lock. */
  get sites(): string[] {
    return [...new Set([...this.#locks.values()].map((lock) => lock.site))].sort();
  }

  /** Applies one event of a history. */
  apply(event: LockEvent): void {
    if (event.kind === "request") this.request(event.txn, event.site, event.resource);
    else if (event.kind === "release") this.release(event.txn, event.site, event.resource);
    else this.abort(event.txn);
  }
}

/**
 * A cycle in a wait-for graph, as the transactions along it (the first is not repeated at
 * the end), or undefined. Deterministic: transactions and edges are visited in sorted
 * order.
 *
 * @example
 * ```ts
 * findCycle([
 *   { waiter: "T1", holder: "T2", site: "s1" },
 *   { waiter: "T2", holder: "T1", site: "s2" },
 * ]); // ["T1", "T2"]
 * ```
 */
export function findCycle(edges: readonly WaitEdge[]): string[] | undefined {
  const out = adjacency(edges);
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (txn: string): string[] | undefined => {
    state.set(txn, "open");
    path.push(txn);
    for (const next of out.get(txn) ?? []) {
      const seen = state.get(next);
      if (seen === "open") return path.slice(path.indexOf(next));
      if (seen === undefined) {
        const cycle = visit(next);
        if (cycle !== undefined) return cycle;
      }
    }
    path.pop();
    state.set(txn, "done");
    return undefined;
  };
  for (const txn of [...out.keys()].sort()) {
    if (state.has(txn)) continue;
    const cycle = visit(txn);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/**
 * The victim to abort on a cycle: the youngest transaction (the latest start), ties
 * broken by name. Transactions without a known start count as oldest.
 *
 * @example
 * ```ts
 * chooseVictim(["T1", "T2", "T3"], { T1: 5, T2: 9, T3: 1 }); // "T2"
 * ```
 */
export function chooseVictim(
  cycle: readonly string[],
  startedAtMs: Readonly<Record<string, number>> = {},
): string {
  if (cycle.length === 0) throw new RangeError("Cannot choose a victim: the cycle is empty");
  return [...cycle].sort((a, b) =>
    (startedAtMs[b] ?? -Infinity) - (startedAtMs[a] ?? -Infinity) || (a < b ? -1 : a > b ? 1 : 0)
  )[0]!;
}

/** What a coordinator found in the union of the local graphs it collected. */
export interface GlobalDetection {
  /** The union of the local graphs. */
  readonly edges: readonly WaitEdge[];
  /** A cycle in it, or undefined. */
  readonly cycle: string[] | undefined;
  /** The transaction to abort, or undefined. */
  readonly victim: string | undefined;
}

/**
 * Global detection: the union of the sites' local wait-for graphs, a cycle in it and a
 * victim on that cycle.
 */
export function detectGlobally(
  localGraphs: readonly (readonly WaitEdge[])[],
  startedAtMs: Readonly<Record<string, number>> = {},
): GlobalDetection {
  const edges = localGraphs.flat();
  const cycle = findCycle(edges);
  return {
    edges,
    cycle,
    victim: cycle === undefined ? undefined : chooseVictim(cycle, startedAtMs),
  };
}

/** A site's local wait-for graph after the events of `history` up to `atMs` (inclusive). */
export function localGraphAt(
  history: readonly LockEvent[],
  site: string,
  atMs: number,
): WaitEdge[] {
  const table = new DistributedLockTable();
  for (const event of history) if (event.atMs <= atMs) table.apply(event);
  return table.localEdges(site);
}

/**
 * The coordinator's view when it collects each site's graph at a different moment:
 * `collectAtMs` gives each site's moment.
 */
export function collectGlobalGraph(
  history: readonly LockEvent[],
  collectAtMs: Readonly<Record<string, number>>,
): WaitEdge[] {
  return Object.keys(collectAtMs).sort().flatMap((site) =>
    localGraphAt(history, site, collectAtMs[site]!)
  );
}

/**
 * Whether the true global wait-for graph ever held a cycle: checked after every event of
 * the history (the graph changes only at events). A cycle the coordinator finds when
 * this is false is a phantom deadlock.
 */
export function cycleEverExisted(history: readonly LockEvent[]): boolean {
  const table = new DistributedLockTable();
  const sites = new Set<string>();
  for (const event of [...history].sort((a, b) => a.atMs - b.atMs)) {
    table.apply(event);
    if (event.kind !== "abort") sites.add(event.site);
    if (findCycle([...sites].flatMap((site) => table.localEdges(site))) !== undefined) return true;
  }
  return false;
}

/**
 * The phantom deadlock, as a history on two sites. T1 holds A at s1 and T2 asks for it,
 * so T2 waits for T1 (at s1). Then T1 is done with A and lets it go (T2 gets it), and
 * asks for B at s2, which T2 holds: now T1 waits for T2 (at s2). The two waits never
 * existed together, but a coordinator that collected s1's graph before the release and
 * s2's after it sees T1 → T2 → T1.
 */
export const PHANTOM_HISTORY: readonly LockEvent[] = [
  { atMs: 0, kind: "request", txn: "T1", site: "s1", resource: "A" },
  { atMs: 1, kind: "request", txn: "T2", site: "s2", resource: "B" },
  { atMs: 2, kind: "request", txn: "T2", site: "s1", resource: "A" },
  { atMs: 4, kind: "release", txn: "T1", site: "s1", resource: "A" },
  { atMs: 5, kind: "request", txn: "T1", site: "s2", resource: "B" },
];

/** A probe of edge chasing: started by `initiator`, sent by `from` to `to`. */
export interface Probe {
  /** The blocked transaction that started the search. */
  readonly initiator: string;
  /** The transaction that sent it. */
  readonly from: string;
  /** The transaction it is for (one that `from` waits for). */
  readonly to: string;
  /** The site of the wait it followed. */
  readonly site: string;
}

/** Options of {@link edgeChase}. */
export interface EdgeChaseOptions {
  /**
   * A broken variant: forward a probe along only the first wait-for edge of a
   * transaction, as if it waited for one holder. In the AND model it waits for all of
   * them, so this misses cycles through the others. Default false.
   */
  readonly forwardFirstOnly?: boolean;
}

/** What edge chasing from one initiator found. */
export interface EdgeChaseResult {
  /** Whether a probe came back to the initiator. */
  readonly deadlock: boolean;
  /** Every probe sent, in order (breadth first). */
  readonly probes: readonly Probe[];
  /** Probes that crossed sites (the wait they followed is on another site than the one before). */
  readonly messages: number;
}

/**
 * Edge chasing (Chandy, Misra and Haas) from `initiator`: probes follow wait-for edges;
 * a blocked transaction forwards the first probe of each initiator along all its own
 * edges and drops later ones; the initiator is deadlocked exactly when a probe comes back.
 *
 * @example
 * ```ts
 * edgeChase([
 *   { waiter: "T1", holder: "T2", site: "s1" },
 *   { waiter: "T2", holder: "T1", site: "s2" },
 * ], "T1").deadlock; // true
 * ```
 */
export function edgeChase(
  edges: readonly WaitEdge[],
  initiator: string,
  options: EdgeChaseOptions = {},
): EdgeChaseResult {
  const out = new Map<string, WaitEdge[]>();
  for (const edge of edges) out.set(edge.waiter, [...out.get(edge.waiter) ?? [], edge]);
  const follow = (txn: string): WaitEdge[] => {
    const mine = out.get(txn) ?? [];
    return options.forwardFirstOnly ? mine.slice(0, 1) : mine;
  };
  const probes: Probe[] = [];
  let messages = 0;
  const queue: { probe: Probe; previousSite: string | undefined }[] = follow(initiator).map((
    e,
  ) => ({
    probe: { initiator, from: initiator, to: e.holder, site: e.site },
    previousSite: undefined,
  }));
  const forwarded = new Set<string>([initiator]);
  let deadlock = false;
  while (queue.length > 0) {
    const { probe, previousSite } = queue.shift()!;
    probes.push(probe);
    if (previousSite !== undefined && previousSite !== probe.site) messages++;
    if (probe.to === initiator) {
      deadlock = true;
      break;
    }
    // Only a blocked transaction forwards, and only the first probe of this initiator.
    if (forwarded.has(probe.to)) continue;
    forwarded.add(probe.to);
    for (const edge of follow(probe.to)) {
      queue.push({
        probe: { initiator, from: probe.to, to: edge.holder, site: edge.site },
        previousSite: probe.site,
      });
    }
  }
  return { deadlock, probes, messages };
}

/** Options of {@link randomWaitFor}. */
export interface RandomWaitForOptions {
  /** How many transactions. */
  readonly transactions: number;
  /** How many sites. */
  readonly sites: number;
  /** The chance that a transaction waits for another, per ordered pair. */
  readonly edgeProbability: number;
}

/**
 * A random wait-for graph (each ordered pair of distinct transactions is an edge with
 * the given probability, at a random site): for differential tests of the detectors.
 */
export function randomWaitFor(random: Random, options: RandomWaitForOptions): WaitEdge[] {
  const txns = Array.from({ length: options.transactions }, (_, i) => `T${i + 1}`);
  const edges: WaitEdge[] = [];
  for (const waiter of txns) {
    for (const holder of txns) {
      if (waiter !== holder && random.chance(options.edgeProbability)) {
        edges.push({ waiter, holder, site: `s${1 + random.int(0, options.sites)}` });
      }
    }
  }
  return edges;
}

/** Whether `txn` lies on a cycle: it can reach itself along wait-for edges. */
export function onCycle(edges: readonly WaitEdge[], txn: string): boolean {
  const out = adjacency(edges);
  const seen = new Set<string>();
  const stack = [...out.get(txn) ?? []];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === txn) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...out.get(next) ?? []);
  }
  return false;
}

function adjacency(edges: readonly WaitEdge[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const edge of edges) {
    out.set(edge.waiter, [...out.get(edge.waiter) ?? [], edge.holder]);
    if (!out.has(edge.holder)) out.set(edge.holder, []);
  }
  for (const list of out.values()) list.sort();
  return out;
}
