/**
 * Edge chasing as messages: transactions (client nodes) take shared and exclusive locks
 * on resources held by site nodes, in random order, so they deadlock now and then. A
 * transaction blocked for a while sends a probe to the site it waits at; a site forwards
 * a probe to every transaction holding the resource in a conflicting mode (a writer
 * waiting for a resource two readers share waits for both); a blocked transaction
 * forwards it on to the site it waits at. A probe that comes back to its initiator means
 * a cycle: the initiator aborts itself (the victim), releases everything and retries.
 *
 * The trial's invariant watches the true wait-for graph, which no node sees: no cycle
 * may last longer than a bound. The broken variant, a site that forwards a probe to only
 * the first conflicting holder, leaves some deadlocks undetected for ever.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { findCycle, type WaitEdge } from "./deadlock.ts";

/** A lock mode. */
export type LockMode = "shared" | "exclusive";

/** Messages between transactions and sites. */
export type DeadlockMessage =
  | {
    readonly type: "Lock";
    readonly txn: string;
    readonly resource: string;
    readonly mode: LockMode;
  }
  | { readonly type: "Granted"; readonly txn: string; readonly resource: string }
  | { readonly type: "ReleaseAll"; readonly txn: string }
  | {
    readonly type: "Probe";
    readonly initiator: string;
    readonly probe: number;
    readonly to: string;
  };

/** The transactions' timers. */
type TxnTimer =
  | { readonly type: "begin" }
  | { readonly type: "commit"; readonly txn: string }
  | { readonly type: "probe"; readonly txn: string; readonly step: number };

interface Entry {
  readonly txn: string;
  readonly client: NodeId;
  readonly mode: LockMode;
}

/** A site: a lock table of shared and exclusive locks, and probe forwarding. */
export class LockSite implements Node<DeadlockMessage> {
  /** Holders per resource. */
  readonly holders = new Map<string, Entry[]>();
  /** Waiting requests per resource, in arrival order. */
  readonly waiting = new Map<string, Entry[]>();
  readonly #ctx: NodeContext<DeadlockMessage>;
  readonly #firstOnly: boolean;

  /** A site; `forwardFirstOnly` is the broken variant. */
  constructor(ctx: NodeContext<DeadlockMessage>, forwardFirstOnly: boolean) {
    this.#ctx = ctx;
    this.#firstOnly = forwardFirstOnly;
  }

  /** Lock requests, releases, probes. */
  onMessage(from: NodeId, message: DeadlockMessage): void {
    switch (message.type) {
      case "Lock": {
        const entry = { txn: message.txn, client: from, mode: message.mode };
        if (this.#compatible(message.resource, entry)) this.#grant(message.resource, entry);
        else {this.waiting.set(message.resource, [
            ...this.waiting.get(message.resource) ?? [],
            entry,
          ]);}
        return;
      }
      case "ReleaseAll": {
        for (const [resource, list] of [...this.holders, ...this.waiting]) {
          const kept = list.filter((e) => e.txn !== message.txn);
          if (this.holders.get(resource) === list) this.holders.set(resource, kept);
          else this.waiting.set(resource, kept);
        }
        for (const resource of [...this.waiting.keys()]) this.#grantWaiting(resource);
        return;
      }
      case "Probe": {
        // The probe is for a transaction waiting here: pass it to whoever blocks it.
        for (const [resource, list] of this.waiting) {
          const waiter = list.find((e) => e.txn === message.to);
          if (waiter === undefined) continue;
          const blockers = this.#conflicting(resource, waiter);
          for (const holder of this.#firstOnly ? blockers.slice(0, 1) : blockers) {
            this.#ctx.send(holder.client, { ...message, to: holder.txn });
          }
        }
        return;
      }
      default:
        return;
    }
  }

  /** The waits at this site: each waiter waits for every conflicting holder. */
  edges(): WaitEdge[] {
    const edges: WaitEdge[] = [];
    for (const [resource, list] of this.waiting) {
      for (const waiter of list) {
        for (const holder of this.#conflicting(resource, waiter)) {
          edges.push({ waiter: waiter.txn, holder: holder.txn, site: this.#ctx.id, resource });
        }
      }
    }
    return edges;
  }

  #conflicting(resource: string, entry: Entry): Entry[] {
    return (this.holders.get(resource) ?? []).filter((h) =>
      h.txn !== entry.txn && (h.mode === "exclusive" || entry.mode === "exclusive")
    );
  }

  #compatible(resource: string, entry: Entry): boolean {
    return this.#conflicting(resource, entry).length === 0;
  }

  #grant(resource: string, entry: Entry): void {
    const held = this.holders.get(resource) ?? [];
    if (!held.some((h) => h.txn === entry.txn && h.mode === entry.mode)) {
      this.holders.set(resource, [...held.filter((h) => h.txn !== entry.txn), entry]);
    }
    this.#ctx.send(entry.client, { type: "Granted", txn: entry.txn, resource });
  }

  #grantWaiting(resource: string): void {
    const list = this.waiting.get(resource) ?? [];
    const still: Entry[] = [];
    for (const entry of list) {
      if (this.#compatible(resource, entry)) this.#grant(resource, entry);
      else still.push(entry);
    }
    this.waiting.set(resource, still);
  }
}

/** Options of {@link TransactionClient}. */
export interface TransactionClientOptions {
  /** The sites. */
  readonly sites: readonly NodeId[];
  /** Resources per site. */
  readonly resourcesPerSite: number;
  /** Locks per transaction. */
  readonly locksPerTransaction: number;
  /** The chance a lock is shared. */
  readonly sharedProbability: number;
  /** How long a transaction holds its locks once it has them all, in ms. */
  readonly holdMs: number;
  /** How long a transaction waits for a lock before it sends a probe (and again), in ms. */
  readonly probeAfterMs: number;
  /** A broken variant: forward only the first probe of each initiator, ever. Default false. */
  readonly forgetProbeNumbers?: boolean;
}

/** A client running transactions one after another; it aborts itself when its probe returns. */
export class TransactionClient implements Node<DeadlockMessage, TxnTimer> {
  /** Transactions committed. */
  commits = 0;
  /** Aborts to break a deadlock. */
  aborts = 0;
  readonly #ctx: NodeContext<DeadlockMessage, TxnTimer>;
  readonly #options: TransactionClientOptions;
  #attempt = 0;
  #txn = "";
  #plan: { site: NodeId; resource: string; mode: LockMode }[] = [];
  #next = 0;
  #waitingAt: NodeId | undefined;
  #step = 0;
  #probes = 0;
  readonly #forwarded = new Set<string>();

  /** A client that begins its first transaction at once. */
  constructor(ctx: NodeContext<DeadlockMessage, TxnTimer>, options: TransactionClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Begins after a short random delay. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, 5), { type: "begin" });
  }

  /** Grants and probes. */
  onMessage(_from: NodeId, message: DeadlockMessage): void {
    if (message.type === "Granted" && message.txn === this.#txn && this.#waitingAt !== undefined) {
      this.#waitingAt = undefined;
      this.#next++;
      this.#requestNext();
    } else if (message.type === "Probe" && message.to === this.#txn) {
      if (message.initiator === this.#txn) return this.#abort();
      // Only a blocked transaction forwards, once per initiator's probe.
      // Each probe once (it can arrive by several paths). The broken variant remembers
      // initiators, not probes, so it drops an initiator's later probes: those sent after
      // the graph changed, which are the ones that can find the cycle.
      const key = this.#options.forgetProbeNumbers
        ? message.initiator
        : `${message.initiator}#${message.probe}`;
      if (this.#waitingAt === undefined || this.#forwarded.has(key)) return;
      this.#forwarded.add(key);
      this.#ctx.send(this.#waitingAt, message);
    }
  }

  /** Begin, commit, probe. */
  onTimer(timer: TxnTimer): void {
    if (timer.type === "begin") return this.#begin();
    if (timer.txn !== this.#txn) return;
    if (timer.type === "commit") {
      this.commits++;
      this.#releaseAll();
      this.#ctx.setTimer(this.#ctx.random.uniform(1, 10), { type: "begin" });
      return;
    }
    if (timer.step !== this.#step || this.#waitingAt === undefined) return;
    // Still blocked on the same request: start a probe (again; earlier ones may have died).

    this.#ctx.send(this.#waitingAt, {
      type: "Probe",
      initiator: this.#txn,
      probe: ++this.#probes,
      to: this.#txn,
    });
    this.#ctx.setTimer(this.#options.probeAfterMs, {
      type: "probe",
      txn: this.#txn,
      step: this.#step,
    });
  }

  #begin(): void {
    this.#attempt++;
    this.#txn = `${this.#ctx.id}.${this.#attempt}`;
    const o = this.#options;
    const all = o.sites.flatMap((site) =>
      Array.from({ length: o.resourcesPerSite }, (_, i) => ({ site, resource: `r${i + 1}` }))
    );
    this.#plan = this.#ctx.random.shuffle(all).slice(0, o.locksPerTransaction).map((r) => ({
      ...r,
      mode: this.#ctx.random.chance(o.sharedProbability) ? "shared" as const : "exclusive" as const,
    }));
    this.#next = 0;

    this.#requestNext();
  }

  #requestNext(): void {
    const lock = this.#plan[this.#next];
    if (lock === undefined) {
      this.#ctx.setTimer(this.#options.holdMs, { type: "commit", txn: this.#txn });
      return;
    }
    this.#waitingAt = lock.site;
    this.#step++;

    this.#ctx.send(lock.site, {
      type: "Lock",
      txn: this.#txn,
      resource: lock.resource,
      mode: lock.mode,
    });
    this.#ctx.setTimer(this.#options.probeAfterMs, {
      type: "probe",
      txn: this.#txn,
      step: this.#step,
    });
  }

  #abort(): void {
    this.aborts++;
    this.#ctx.log(`${this.#txn} aborts: its probe came back`);
    this.#releaseAll();
    this.#waitingAt = undefined;
    this.#ctx.setTimer(this.#ctx.random.uniform(1, 20), { type: "begin" });
  }

  #releaseAll(): void {
    for (const site of this.#options.sites) {
      this.#ctx.send(site, { type: "ReleaseAll", txn: this.#txn });
    }
    this.#txn = `${this.#ctx.id}.${this.#attempt}.done`;
  }
}

/** Zod schema of the deadlock trial's parameters. */
export const DeadlockParamsSchema = z.strictObject({
  sites: integerAtLeast(1).default(3).describe("Sites holding resources"),
  resourcesPerSite: integerAtLeast(1).default(2).describe("Resources at each site"),
  clients: integerAtLeast(2).default(4).describe("Clients running transactions"),
  locksPerTransaction: integerAtLeast(1).default(3).describe("Locks each transaction takes"),
  sharedProbability: z.number().min(0).max(1).default(0.5).describe("Chance a lock is shared"),
  holdMs: positiveMs().default(5).describe("How long a transaction holds its locks, in ms"),
  probeAfterMs: positiveMs().default(20).describe("Blocked this long, a transaction probes, in ms"),
  maxDeadlockMs: positiveMs().default(300).describe("The longest a cycle may last, in ms"),
  forgetProbeNumbers: z.boolean().default(false)
    .describe("Broken variant: a transaction forwards one probe per initiator, ever"),
  forwardFirstOnly: z.boolean().default(false)
    .describe("Broken variant: sites forward a probe to the first conflicting holder only"),
  runMs: positiveMs().default(1_000).describe("How long the run lasts, in ms"),
});

/** What the deadlock trial builds. */
export interface DeadlockSystem {
  /** The simulation. */
  readonly simulation: Simulation<DeadlockMessage>;
  /** The true global wait-for graph (no node sees it). */
  readonly edges: () => WaitEdge[];
  /** The clients. */
  readonly clients: () => TransactionClient[];
  /** Since when the current cycle has existed, by its members (sorted, joined). */
  readonly cycleSince: Map<string, number>;
  /** The longest a cycle may last, in ms. */
  readonly maxDeadlockMs: number;
}

/** The deadlock trial: no cycle in the true wait-for graph outlives `maxDeadlockMs`. */
export const deadlockTrial = defineTrial({
  name: "deadlock",
  params: DeadlockParamsSchema,
  build: ({ params, seed, record, replay }): DeadlockSystem => {
    const simulation = new Simulation<DeadlockMessage>({
      seed,
      record,
      replay,
      network: { latency: { kind: "uniform", minMs: 1, maxMs: 3 } },
    });
    const sites = Array.from({ length: params.sites }, (_, i) => `s${i + 1}`);
    const clientIds = Array.from({ length: params.clients }, (_, i) => `t${i + 1}`);
    simulation.addNodes(sites, (ctx) => new LockSite(ctx, params.forwardFirstOnly));
    simulation.addNodes<TxnTimer>(
      clientIds,
      (ctx) => new TransactionClient(ctx, { ...params, sites }),
    );
    return {
      simulation,
      edges: () => sites.flatMap((id) => simulation.node<LockSite>(id)?.edges() ?? []),
      clients: () => clientIds.map((id) => simulation.node<TransactionClient>(id)!),
      cycleSince: new Map(),
      maxDeadlockMs: params.maxDeadlockMs,
    };
  },
  invariants: [
    invariant("every deadlock is broken in time", (system: DeadlockSystem) => {
      const cycle = findCycle(system.edges());
      const now = system.simulation.now;
      if (cycle === undefined) {
        system.cycleSince.clear();
        return undefined;
      }
      const key = [...cycle].sort().join(",");
      for (const other of [...system.cycleSince.keys()]) {
        if (other !== key) system.cycleSince.delete(other);
      }
      const since = system.cycleSince.get(key) ?? now;
      system.cycleSince.set(key, since);
      return now - since > system.maxDeadlockMs
        ? `the deadlock ${cycle.join(" → ")} has lasted ${Math.round(now - since)} ms`
        : undefined;
    }, { everyMs: 10 }),
  ],
  history: false,
  untilMs: (params) => params.runMs,
  row: ({ system, failure }) => {
    const clients = system.clients();
    return {
      commits: clients.reduce((s, c) => s + c.commits, 0),
      aborts: clients.reduce((s, c) => s + c.aborts, 0),
      failure: failure?.invariant ?? null,
    };
  },
});

/**
 * The `deadlock` experiment: the edge-chasing trial, one row per seed (commits, victims
 * aborted, and the invariant that failed, if one did), so a failed trial's replay line runs.
 */
export const deadlockExperiment = trialExperiment(deadlockTrial, {
  title: "Deadlocks found by edge chasing (Chandy-Misra-Haas probes) between sites",
  description: "Transactions take shared and exclusive locks on resources at several sites; " +
    "blocked ones send probes, and a probe that returns aborts its initiator. One row per " +
    "seed: commits, aborts, and whether some deadlock outlived its bound.",
  chapter: "19_coordination",
});
