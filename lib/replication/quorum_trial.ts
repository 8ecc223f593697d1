/**
 * The quorum store under random faults: replicas, clients running a random workload of
 * reads and writes, a nemesis (crashes, pauses, partitions) over a lossy, duplicating
 * network, and the store's promises checked:
 *
 * - **durability** (after every event): the newest acknowledged write of each key is
 *   held, on disk, by at least W nodes (itself or a newer version; hinted copies count),
 *   and no replica's version of a key ever goes back;
 * - **linearizability** (at the end) when the quorums intersect on paper (R + W > N,
 *   timestamp versions, writes that read first): it holds with strict quorums and reads
 *   that write back (ABD), and the checker shows it failing without write-back or with
 *   sloppy quorums;
 * - **convergence** (after the faults heal) when anti-entropy runs: every preferred
 *   replica of a key holds the same versions, and no hint is left.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  positiveMs,
  probability,
} from "../config/mod.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { type Fault, generateNemesis } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  defineTrial,
  faultSweep,
  type FaultSweepResult,
  invariant,
  linearizability,
  runTrial,
  type Trial,
  type TrialResult,
} from "../testing/mod.ts";
import {
  preferenceList,
  QuorumClient,
  type QuorumClientTimer,
  type QuorumMessage,
  QuorumReplica,
  type QuorumReplicaTimer,
  type RepairRule,
} from "./quorum.ts";
import { compareStamps, covers, formatSiblings, type Versioned } from "./versions.ts";

/** The deliberately broken variants a quorum trial can run. */
export const QUORUM_UNSAFE_VARIANTS = ["countDuplicateAcks", "repairOverwrites"] as const;

/** Zod schema of the parameters of a quorum trial. */
export const QuorumTrialParamsSchema = z.strictObject({
  n: integerAtLeast(1).default(3).describe("Replicas per key (N)"),
  w: integerAtLeast(1).default(2).describe("Acknowledgements a write waits for (W)"),
  r: integerAtLeast(1).default(2).describe("Replies a read waits for (R)"),
  replicas: integerAtLeast(1).default(3)
    .describe("Storage nodes on the ring (at least N; more give sloppy writes somewhere to go)"),
  versioning: z.enum(["timestamp", "vector"]).default("timestamp")
    .describe("Versions by timestamp (last writer wins) or by version vector (siblings)"),
  writes: z.enum(["clock", "read-first"]).default("read-first")
    .describe("Stamp writes with the client's clock, or read the highest timestamp first (ABD)"),
  writeBack: z.boolean().default(true).describe("Reads write back what they return (ABD)"),
  readRepair: z.boolean().default(false).describe("Reads repair replicas that answered stale"),
  sloppy: z.boolean().default(false).describe("Sloppy quorums with hinted handoff"),
  antiEntropyIntervalMs: nonNegativeMs().default(0)
    .describe("Merkle anti-entropy with a random peer this often, in ms (0: off)"),
  clients: integerAtLeast(1).default(3).describe("Clients running a random workload"),
  operationsPerClient: integerAtLeast(0).default(15).describe("Operations each client issues"),
  keys: integerAtLeast(1).default(2).describe("Keys the clients use"),
  readFraction: probability().default(0.5).describe("Fraction of operations that are reads"),
  thinkMs: nonNegativeMs().default(20).describe("Longest pause between operations, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay"),
  lossProbability: probability().default(0.02).describe("Probability a message is lost"),
  duplicateProbability: probability().default(0.02)
    .describe("Probability a message is delivered twice"),
  faultsPerSecond: nonNegativeNumber().default(5).describe("Mean rate of faults (0: none)"),
  faultsUntilMs: positiveMs().default(600).describe("Every fault has healed by this time, in ms"),
  faultKinds: z.array(z.enum(["partition", "isolate", "crash", "pause"]))
    .min(1, { error: "must list at least one kind" })
    .default(["partition", "isolate", "crash", "pause"]).describe("Faults the nemesis draws"),
  retryMs: positiveMs().default(30).describe("Resend to silent replicas after this long, in ms"),
  timeoutMs: positiveMs().default(300).describe("Give up on an operation after this long, in ms"),
  settleMs: positiveMs().default(1000)
    .describe("After the faults and the workload, how long replicas get to converge, in ms"),
  unsafe: z.enum(["none", ...QUORUM_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant (none: the correct store)"),
}).superRefine((p, ctx) => {
  const over = (field: "w" | "r", limit: number, name: string) => {
    if (p[field] > limit) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `must be at most ${name} (${limit}), got ${p[field]}`,
        input: p[field],
      });
    }
  };
  over("w", p.n, "n");
  over("r", p.n, "n");
  if (p.n > p.replicas) {
    ctx.addIssue({
      code: "custom",
      path: ["n"],
      message: `must be at most replicas (${p.replicas}), got ${p.n}`,
      input: p.n,
    });
  }
});

/** Parameters of a quorum trial, with defaults applied. */
export type QuorumTrialParams = z.output<typeof QuorumTrialParamsSchema>;

/** What a user may write for {@link QuorumTrialParams}. */
export type QuorumTrialParamsInput = z.input<typeof QuorumTrialParamsSchema>;

/** A built quorum trial: the simulation, the clients' history and the store's checks. */
export interface QuorumSystem {
  /** The simulation. */
  readonly simulation: Simulation<QuorumMessage>;
  /**
   * The clients' history, when the configuration's quorums intersect (R + W > N, timestamp
   * versions, writes that read first): then it is checked for linearizability, which
   * holds with write-back (ABD) and not without. Undefined otherwise: not checked.
   */
  readonly history: History | undefined;
  /** Everything recorded, checked or not. */
  readonly recorder: HistoryRecorder;
  /** The parameters. */
  readonly params: QuorumTrialParams;
  /** Storage node ids. */
  readonly ring: readonly NodeId[];
  /** Client ids. */
  readonly clients: readonly NodeId[];
  /** Keys used. */
  readonly keys: readonly string[];
  /** The faults scheduled (crashes, pauses, partitions, heals). */
  readonly faults: readonly Fault[];
  /** Whether the configuration promises linearizability (ABD). */
  readonly promisesLinearizability: boolean;
  /** Whether it promises convergence after the heal (anti-entropy runs). */
  readonly promisesConvergence: boolean;
  /** When the last client operation ended (virtual ms), once all have. */
  readonly finishedAtMs: () => number | undefined;
  /** The store's durability, monotonicity and convergence checks. */
  readonly checks: QuorumInvariants;
}

/** One row of a quorum trial. */
export type QuorumTrialRow = {
  /** Operations acknowledged ok. */
  readonly ok: number;
  /** Operations that ended `info` (timed out). */
  readonly info: number;
  /** The history's verdict (null when not checked). */
  readonly linearizable: boolean | "unknown" | null;
  /** The broken invariant or checker, or null. */
  readonly violation: string | null;
};

/** Options of {@link quorumTrial}: plug-ins that are not parameters. */
export interface QuorumTrialOptions {
  /** The replicas' read-repair rule (an exercise's answer). Default: merge. */
  readonly repairRule?: RepairRule;
}

/** Storage node ids: s1, s2, ... */
export function storageNodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `s${i + 1}`);
}

/**
 * The quorum store as a trial of the shared harness (lib/testing): replicas, clients
 * running a random workload, this store's own nemesis (crashes and pauses of replicas,
 * partitions that may cut clients off too), the durability and monotonic invariants
 * after every event, convergence once everything has settled (when anti-entropy runs),
 * and the history's linearizability (when the quorums intersect). Run it with
 * `runTrial`, sweep it with `faultSweep`, prove a broken variant is caught with
 * `caughtWithin`.
 *
 * @example
 * ```ts
 * import { caughtWithin } from "../testing/mod.ts";
 *
 * const failure = caughtWithin(quorumTrial(), 200, {
 *   params: {
 *     writeBack: false,
 *     keys: 1,
 *     clients: 5,
 *     // One message in ten takes a slow path, so a read can overlap a write's quorum.
 *     latency: {
 *       kind: "mixture",
 *       components: [
 *         { weight: 0.9, distribution: { kind: "uniform", minMs: 1, maxMs: 5 } },
 *         { weight: 0.1, distribution: { kind: "uniform", minMs: 20, maxMs: 60 } },
 *       ],
 *     },
 *   },
 * });
 * failure.invariant; // "linearizability"
 * ```
 */
export function quorumTrial(
  options: QuorumTrialOptions = {},
): Trial<typeof QuorumTrialParamsSchema, QuorumSystem, QuorumTrialRow> {
  return defineTrial({
    name: "quorum-kv",
    params: QuorumTrialParamsSchema,
    build: (setup) =>
      buildQuorumSystem(setup.params, setup.seed, setup.record, setup.replay, options),
    invariants: [
      invariant("durability", (s: QuorumSystem) => s.checks.durability()),
      invariant("monotonic", (s: QuorumSystem) => s.checks.monotonic()),
    ],
    liveness: {
      name: "every client finishes and the replicas settle",
      withinMs: () => 60_000,
      holds: (s) => {
        const finished = s.finishedAtMs();
        return finished !== undefined &&
          s.simulation.now >= Math.max(s.params.faultsUntilMs, finished + s.params.settleMs);
      },
      explain: (s) =>
        `${s.clients.filter((c) => s.simulation.node<QuorumClient>(c)!.inFlight > 0).length} ` +
        "client(s) still have an operation in flight",
    },
    finalChecks: [
      invariant(
        "convergence",
        (s: QuorumSystem) => s.promisesConvergence ? s.checks.convergence(s.keys) : undefined,
      ),
    ],
    history: linearizability("kv"),
    row: ({ system, failure, history }) => {
      let ok = 0, info = 0;
      for (const client of system.clients) {
        for (const c of system.simulation.node<QuorumClient>(client)!.completions) {
          if (c.status === "ok") ok++;
          else info++;
        }
      }
      return {
        ok,
        info,
        linearizable: history?.valid ?? null,
        violation: failure === undefined ? null : `${failure.kind}: ${failure.invariant}`,
      };
    },
  });
}

/** The default quorum trial (no plug-ins). */
export const QUORUM_TRIAL: Trial<typeof QuorumTrialParamsSchema, QuorumSystem, QuorumTrialRow> =
  quorumTrial();

/**
 * Runs one quorum trial (see {@link quorumTrial}). Never throws for a broken promise: it
 * comes back in `failure`; a bad parameter throws a ConfigError naming it, e.g.
 * `params.w: must be at most n (3), got 4`.
 *
 * @example
 * ```ts
 * runQuorumTrial({}, 1).failure; // undefined: every promise held
 * runQuorumTrial({ unsafe: "countDuplicateAcks" }, 1).failure?.invariant; // "durability"
 * ```
 */
export function runQuorumTrial(
  params: QuorumTrialParamsInput,
  seed: number,
  options: QuorumTrialOptions & { readonly record?: boolean } = {},
): TrialResult<QuorumSystem, QuorumTrialParams, QuorumTrialRow> {
  const trial = options.repairRule === undefined ? QUORUM_TRIAL : quorumTrial(options);
  return runTrial(trial, params, seed, { record: options.record ?? false });
}

function buildQuorumSystem(
  p: QuorumTrialParams,
  seed: number,
  record: boolean,
  replay: string,
  options: QuorumTrialOptions,
): QuorumSystem {
  const ring = storageNodeIds(p.replicas);
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  const clients = Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);
  const faults = planQuorumNemesis(p, ring, clients, new Random(seed).child("nemesis"));
  const simulation = new Simulation<QuorumMessage>({
    seed,
    record,
    replay,
    network: {
      latency: p.latency,
      lossProbability: p.lossProbability,
      duplicateProbability: p.duplicateProbability,
    },
    faults,
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  const unsafe = p.unsafe;
  simulation.addNodes<QuorumReplicaTimer>(ring, (ctx) =>
    new QuorumReplica(ctx, {
      ring,
      n: p.n,
      versioning: p.versioning,
      ...(p.antiEntropyIntervalMs > 0 ? { antiEntropyIntervalMs: p.antiEntropyIntervalMs } : {}),
      // A few keys: small trees (16 buckets) are plenty.
      merkleDepth: 4,
      unsafe: { repairOverwrites: unsafe === "repairOverwrites" },
      ...(options.repairRule === undefined ? {} : { repairRule: options.repairRule }),
    }));
  simulation.addNodes<QuorumClientTimer>(clients, (ctx) =>
    new QuorumClient(ctx, {
      ring,
      n: p.n,
      w: p.w,
      r: p.r,
      versioning: p.versioning,
      writes: p.writes,
      writeBack: p.writeBack,
      readRepair: p.readRepair,
      sloppy: p.sloppy,
      retryMs: p.retryMs,
      timeoutMs: p.timeoutMs,
      recorder,
      unsafe: { countDuplicateAcks: unsafe === "countDuplicateAcks" },
    }));

  // The workload: each client issues its operations one at a time, with a pause between.
  const workload = new Random(seed).child("workload");
  let nextValue = 1;
  let running = clients.length;
  let finishedAtMs: number | undefined = p.operationsPerClient === 0 ? 0 : undefined;
  const issue = (client: NodeId, left: number) => {
    if (left === 0) {
      if (--running === 0) finishedAtMs = simulation.now;
      return;
    }
    const node = simulation.node<QuorumClient>(client)!;
    const key = workload.pick(keys);
    const then = () =>
      simulation.at(simulation.now + workload.uniform(0, p.thinkMs), () => issue(client, left - 1));
    if (workload.chance(p.readFraction)) node.read(key, then);
    else node.write(key, nextValue++, then);
  };
  if (p.operationsPerClient > 0) {
    for (const client of clients) {
      simulation.at(workload.uniform(0, p.thinkMs), () => issue(client, p.operationsPerClient));
    }
  }
  // Quorums that intersect on paper, versions that read first: what one might believe is
  // enough. Only with write-back and strict quorums is it (ABD); otherwise the checker is
  // how a test sees the gap.
  const checked = p.versioning === "timestamp" && p.writes === "read-first" && p.r + p.w > p.n;
  const promisesLinearizability = checked && p.writeBack && !p.sloppy;
  const promisesConvergence = p.antiEntropyIntervalMs > 0;
  const checks = new QuorumInvariants(simulation, ring, clients, p);
  return {
    simulation,
    get history() {
      return checked ? recorder.history : undefined;
    },
    recorder,
    params: p,
    ring,
    clients,
    keys,
    faults,
    promisesLinearizability,
    promisesConvergence,
    finishedAtMs: () => finishedAtMs,
    checks,
  };
}

/**
 * The trial's faults: one timeline crashes and pauses storage nodes; another cuts the
 * network, clients included, so a client may reach some replicas of a key and not others
 * (a write then lands on a few replicas and stays there a while).
 */
export function planQuorumNemesis(
  p: QuorumTrialParams,
  ring: readonly NodeId[],
  clients: readonly NodeId[],
  random: Random,
): Fault[] {
  if (p.faultsPerSecond === 0) return [];
  const nodeKinds = p.faultKinds.filter((k) => k === "crash" || k === "pause");
  const linkKinds = p.faultKinds.filter((k) => k === "partition" || k === "isolate");
  const processes = (nodeKinds.length > 0 ? 1 : 0) + (linkKinds.length > 0 ? 1 : 0);
  const common = {
    endMs: p.faultsUntilMs,
    meanGapMs: processes * 1000 / p.faultsPerSecond,
    meanDurationMs: 100,
  };
  const faults: Fault[] = [];
  if (nodeKinds.length > 0 && ring.length >= 2) {
    faults.push(
      ...generateNemesis({ ...common, nodes: [...ring], kinds: nodeKinds }, random.child("nodes")),
    );
  }
  if (linkKinds.length > 0) {
    faults.push(
      ...generateNemesis(
        { ...common, nodes: [...ring, ...clients], kinds: linkKinds },
        random.child("links"),
      ),
    );
  }
  return faults;
}

/** The store's promises, checked on the nodes' durable storage (which crashes keep). */
export class QuorumInvariants {
  readonly #simulation: Simulation<QuorumMessage>;
  readonly #ring: readonly NodeId[];
  readonly #clients: readonly NodeId[];
  readonly #params: QuorumTrialParams;
  readonly #seen = new Map<string, Versioned>();
  #checkedAcks = new Map<NodeId, number>();
  /** The newest acknowledged write of each key. */
  readonly #newestAcked = new Map<string, Versioned>();

  /** Checks over the given simulation's nodes. */
  constructor(
    simulation: Simulation<QuorumMessage>,
    ring: readonly NodeId[],
    clients: readonly NodeId[],
    params: QuorumTrialParams,
  ) {
    this.#simulation = simulation;
    this.#ring = ring;
    this.#clients = clients;
    this.#params = params;
  }

  /** Each node's disk as key → versions (own and hinted), rebuilt when the disk changed. */
  readonly #disks = new Map<NodeId, { writes: number; keys: Map<string, Versioned[]> }>();
  #disksChanged = true;

  #disk(node: NodeId): Map<string, Versioned[]> {
    const storage = this.#simulation.storage(node);
    const cached = this.#disks.get(node);
    if (cached !== undefined && cached.writes === storage.writeCount) return cached.keys;
    const keys = new Map<string, Versioned[]>();
    for (const name of storage.keys()) {
      const key = name.startsWith("k:") ? name.slice(2) : name.slice(name.indexOf(":", 2) + 1);
      const versions = storage.get<Versioned[]>(name)!;
      const list = keys.get(key);
      if (list === undefined) keys.set(key, [...versions]);
      else list.push(...versions);
      if (name.startsWith("k:")) this.#checkMonotonic(node, key, versions);
    }
    this.#disks.set(node, { writes: storage.writeCount, keys });
    this.#disksChanged = true;
    return keys;
  }

  #backwards: string | undefined;

  #checkMonotonic(node: NodeId, key: string, versions: readonly Versioned[]): void {
    if (this.#params.versioning !== "timestamp") return;
    const newest = versions.at(-1);
    if (newest === undefined) return;
    const id = `${node}/${key}`;
    const before = this.#seen.get(id);
    if (before !== undefined && compareStamps(newest, before) === "before") {
      this.#backwards ??= `${node}'s version of ${key} went back from ${before.value} ` +
        `(ts ${before.ts}) to ${newest.value} (ts ${newest.ts})`;
    }
    this.#seen.set(id, newest);
  }

  /** The newest acknowledged write of each key is on at least W disks. */
  durability(): string | undefined {
    const versioning = this.#params.versioning;
    let acked = false;
    for (const client of this.#clients) {
      const node = this.#simulation.node<QuorumClient>(client);
      if (node === undefined) continue;
      const completions = node.completions;
      for (let i = this.#checkedAcks.get(client) ?? 0; i < completions.length; i++) {
        const c = completions[i]!;
        if (c.f !== "write" || c.status !== "ok") continue;
        const write = c.siblings[0]!;
        const known = this.#newestAcked.get(c.key);
        if (known === undefined || compareStamps(known, write) === "before") {
          this.#newestAcked.set(c.key, write);
          acked = true;
        }
      }
      this.#checkedAcks.set(client, completions.length);
    }
    for (const node of this.#ring) this.#disk(node);
    if (!acked && !this.#disksChanged) return undefined;
    this.#disksChanged = false;
    for (const [key, write] of this.#newestAcked) {
      const holders = this.#ring.filter((node) =>
        covers(this.#disk(node).get(key) ?? [], [write], versioning)
      );
      if (holders.length < this.#params.w) {
        return `the acknowledged write ${write.value} of ${key} (ts ${write.ts}, by ${write.writer}) ` +
          `is on ${holders.length} disk(s) [${
            holders.join(", ")
          }], fewer than W = ${this.#params.w}`;
      }
    }
    return undefined;
  }

  /** With timestamp versions, no replica's version of a key goes back in time. */
  monotonic(): string | undefined {
    for (const node of this.#ring) this.#disk(node);
    return this.#backwards;
  }

  /** After the heal: the preferred replicas of each key agree, and no hint is left. */
  convergence(keys: readonly string[]): string | undefined {
    const { n } = this.#params;
    for (const key of keys) {
      const owners = preferenceList(key, this.#ring, n);
      const texts = owners.map((node) =>
        formatSiblings(this.#simulation.storage(node).get<Versioned[]>(`k:${key}`) ?? [])
      );
      if (new Set(texts).size > 1) {
        return `replicas of ${key} differ after the heal: ` +
          owners.map((node, i) => `${node} ${texts[i]}`).join("; ");
      }
    }
    for (const node of this.#ring) {
      const hints = this.#simulation.storage(node).keys().filter((k) => k.startsWith("h:"));
      if (hints.length > 0) return `${node} still holds ${hints.length} hint(s) after the heal`;
    }
    return undefined;
  }
}

/** Options of {@link quorumSweep}. */
export interface QuorumSweepOptions extends QuorumTrialOptions {
  /** How many seeds, from `firstSeed`. Default 100. */
  readonly seeds?: number;
  /** The first seed. Default 1. */
  readonly firstSeed?: number;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
}

/** What {@link quorumSweep} found: the harness's sweep result, and the operations done. */
export interface QuorumSweepResult extends FaultSweepResult<QuorumTrialRow> {
  /** Operations acknowledged ok over all trials. */
  readonly ok: number;
}

/**
 * The harness's `faultSweep` of {@link quorumTrial} over seeds, with `params` on every
 * trial; a failure names its seed, the broken invariant and the line that replays it.
 *
 * @example
 * ```ts
 * quorumSweep({}, { seeds: 1000 }).failures.length; // 0
 * quorumSweep({ unsafe: "countDuplicateAcks" }, { seeds: 100 }).failures[0]?.invariant; // "durability"
 * ```
 */
export function quorumSweep(
  params: QuorumTrialParamsInput,
  options: QuorumSweepOptions = {},
): QuorumSweepResult {
  const trial = options.repairRule === undefined ? QUORUM_TRIAL : quorumTrial(options);
  const result = faultSweep(trial, {
    seeds: options.seeds ?? 100,
    firstSeed: options.firstSeed ?? 1,
    params,
    stopAtFirstFailure: options.stopAtFirstFailure ?? true,
    excerpt: false,
  });
  return { ...result, ok: result.rows.reduce((sum, row) => sum + row.ok, 0) };
}
