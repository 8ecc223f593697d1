/**
 * The scenarios the Raft chapter shows, each a recorded run ready to draw with
 * `spaceTimeDiagram`, {@link roleTimeline} and {@link logGrid}: a first election, a split
 * vote, a re-election after the leader crashes, the paper's Figure 8 with and without
 * the §5.4.2 commit rule, a partitioned old leader that cannot commit, and a read served
 * by a deposed leader from its own state, caught by the linearizability checker.
 *
 * The scripted ones (Figure 8, the partitioned leader, the stale read) fix the network's
 * latency and make elections happen when the script says (`campaign`), so every step
 * falls where the narration says; each checks its own steps and throws if the cluster
 * does not do what the story needs.
 *
 * @module
 */
import { checkLinearizable, type LinearizabilityResult } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { SimulationError } from "../sim/errors.ts";
import type { NodeId } from "../sim/node.ts";
import type { KvOperation } from "./kv_store.ts";
import type { RaftDurableState, RaftEntry } from "./raft.ts";
import type { RaftClientCompletion } from "./raft_client.ts";
import { RaftCluster } from "./raft_cluster.ts";
import { clusterLogRows, type RaftLogRow } from "./raft_log_view.ts";

/** A moment of a scripted scenario: what just happened, and every server's log then. */
export interface ScenarioStep {
  /** When, in ms. */
  readonly atMs: number;
  /** What happened, in words. */
  readonly text: string;
  /** Every server's log at that moment (crashed servers: from their storage). */
  readonly logs: readonly RaftLogRow[];
}

/** A run that ended with a leader. */
export interface ElectionScenario {
  /** The cluster, its trace recorded. */
  readonly cluster: RaftCluster;
  /** The seed it ran with. */
  readonly seed: number;
  /** The leader elected. */
  readonly leader: NodeId;
  /** Its term. */
  readonly term: number;
  /** When it became leader, in ms. */
  readonly electedAtMs: number;
  /** Terms in which two or more servers stood and none won. */
  readonly splitTerms: readonly number[];
}

/** Options of the election scenarios. */
export interface ElectionScenarioOptions {
  /** Seed. Default 1. */
  readonly seed?: number;
  /** Servers. Default 5. */
  readonly servers?: number;
  /** How long to run after the election, in ms (to see the first heartbeats). Default 40. */
  readonly afterMs?: number;
}

/**
 * The first election of a fresh cluster: five servers start as followers, the first
 * whose election timeout (150–300 ms) fires becomes a candidate, and (usually) wins.
 *
 * @example
 * ```ts
 * import { spaceTimeDiagram } from "../viz/space_time.ts";
 *
 * const { cluster, leader } = electionScenario();
 * spaceTimeDiagram(cluster.simulation.trace, { types: ["RequestVote", "RequestVoteReply", "AppendEntries"] });
 * ```
 */
export function electionScenario(options: ElectionScenarioOptions = {}): ElectionScenario {
  return runElection(options.seed ?? 1, options, {});
}

/**
 * A split vote: election timeouts of 150–170 ms give the servers little randomness, so
 * several time out within a message delay of each other, each votes for itself, and no
 * one gets a majority; a later round, with timers drawn afresh, elects a leader. Runs the first seed from `seed`
 * (at most `searchSeeds` of them) whose first term is split.
 *
 * @example
 * ```ts
 * import { roleTimeline } from "./raft_timeline.ts";
 *
 * const { cluster, splitTerms } = splitVoteScenario();
 * roleTimeline(cluster.simulation.trace); // candidates in term 1, a leader in a later term
 * ```
 */
export function splitVoteScenario(
  options: ElectionScenarioOptions & { readonly searchSeeds?: number } = {},
): ElectionScenario {
  const first = options.seed ?? 1;
  const tries = options.searchSeeds ?? 50;
  let last: ElectionScenario | undefined;
  for (let seed = first; seed < first + tries; seed++) {
    last = runElection(seed, options, { electionTimeoutMinMs: 150, electionTimeoutMaxMs: 170 });
    if (last.splitTerms.includes(1)) return last;
  }
  throw new Error(
    `Cannot find a split vote: none of seeds ${first} to ${first + tries - 1} split term 1`,
  );
}

function runElection(
  seed: number,
  options: ElectionScenarioOptions,
  raft: { electionTimeoutMinMs?: number; electionTimeoutMaxMs?: number },
): ElectionScenario {
  const cluster = new RaftCluster({
    seed,
    servers: options.servers ?? 5,
    network: { latency: { kind: "uniform", minMs: 5, maxMs: 10 } },
    raft: { ...raft, heartbeatIntervalMs: 50 },
  });
  const leader = cluster.runUntilLeader();
  const electedAtMs = cluster.now;
  cluster.simulation.runFor(options.afterMs ?? 40);
  return {
    cluster,
    seed,
    leader: leader.id,
    term: leader.currentTerm,
    electedAtMs,
    splitTerms: splitTerms(cluster),
  };
}

/** Terms in which two or more servers became candidates and none became leader. */
export function splitTerms(cluster: RaftCluster): number[] {
  const candidates = new Map<number, Set<NodeId>>();
  const won = new Set<number>();
  for (const change of cluster.roleChanges) {
    if (change.role === "candidate") {
      let set = candidates.get(change.term);
      if (set === undefined) candidates.set(change.term, set = new Set());
      set.add(change.node);
    } else if (change.role === "leader") won.add(change.term);
  }
  return [...candidates].filter(([term, set]) => set.size >= 2 && !won.has(term))
    .map(([term]) => term).sort((a, b) => a - b);
}

/** A leader crashed and was replaced. */
export interface ReelectionScenario {
  /** The cluster, its trace recorded. */
  readonly cluster: RaftCluster;
  /** The leader that crashed. */
  readonly oldLeader: NodeId;
  /** Its term. */
  readonly oldTerm: number;
  /** The leader elected after it. */
  readonly newLeader: NodeId;
  /** Its term. */
  readonly newTerm: number;
  /** When the old leader crashed, in ms. */
  readonly crashAtMs: number;
  /** When the new one took office, in ms. */
  readonly electedAtMs: number;
  /** From the crash to the new leader, in ms. */
  readonly downtimeMs: number;
}

/**
 * A re-election: five servers elect a leader, a client writes through it, then the
 * leader crashes; the followers hear nothing for an election timeout, one stands, and
 * wins. The crashed server restarts later and rejoins as a follower.
 *
 * @example
 * ```ts
 * import { roleTimeline } from "./raft_timeline.ts";
 *
 * const run = reelectionScenario();
 * roleTimeline(run.cluster.simulation.trace);
 * ```
 */
export function reelectionScenario(options: { readonly seed?: number } = {}): ReelectionScenario {
  const cluster = new RaftCluster({
    seed: options.seed ?? 1,
    servers: 5,
    clients: 1,
    network: { latency: { kind: "uniform", minMs: 5, maxMs: 10 } },
    raft: { heartbeatIntervalMs: 50 },
  });
  const old = cluster.runUntilLeader();
  cluster.submit("c1", { f: "write", key: "x", value: 1 }, { to: old.id });
  cluster.runUntilCompleted("c1");
  cluster.simulation.runFor(60);
  const crashAtMs = cluster.now;
  const oldLeader = old.id, oldTerm = old.currentTerm;
  cluster.simulation.crash(oldLeader);
  const next = cluster.runUntilLeader({ afterTerm: oldTerm });
  const electedAtMs = cluster.now;
  cluster.simulation.runFor(100);
  cluster.simulation.restart(oldLeader);
  cluster.simulation.runFor(100);
  return {
    cluster,
    oldLeader,
    oldTerm,
    newLeader: next.id,
    newTerm: next.currentTerm,
    crashAtMs,
    electedAtMs,
    downtimeMs: electedAtMs - crashAtMs,
  };
}

// ---- Figure 8 ---------------------------------------------------------------------------

/** Options of {@link figure8Scenario}. */
export interface Figure8Options {
  /**
   * `safe`: §5.4.2, a leader counts replicas only for entries of its own term; `unsafe`:
   * it commits any entry stored on a majority. Default "safe".
   */
  readonly commitRule?: "safe" | "unsafe";
  /**
   * Before crashing, S1 also replicates an entry of its own term to a majority (the
   * paper's panel e): then S5 can no longer win. Default false.
   */
  readonly currentTermEntry?: boolean;
}

/** The Figure 8 run. */
export interface Figure8Scenario {
  /** The cluster (servers S1–S5, clients c1–c4), its trace recorded. */
  readonly cluster: RaftCluster;
  /** The commit rule S1 followed. */
  readonly commitRule: "safe" | "unsafe";
  /** Each step of the story with the logs then. */
  readonly steps: readonly ScenarioStep[];
  /** The safety error the run ended with (unsafe rule: leader completeness), if any. */
  readonly violation: SimulationError | undefined;
  /** S1's commit index when it crashed for the last time. */
  readonly s1CommitIndexAtCrash: number;
  /** The history of the clients' writes. */
  readonly history: History;
}

const FIG8_SERVERS = ["S1", "S2", "S3", "S4", "S5"];

/**
 * The paper's Figure 8 (§5.4.2), replayed step by step with servers S1–S5:
 *
 * - (a) S1 leads term 2 and replicates a new entry at index 2 to S2 only, then crashes;
 * - (b) S5 wins term 3 with votes from S3 and S4, and appends a different entry at index
 *   2, which no one else gets, then crashes;
 * - (c) S1 restarts, wins term 4 and replicates its index-2 entry (term 2) to a majority;
 * - (d) S1 crashes; S5 restarts and, its last entry being of term 3, wins term 5 with
 *   votes from S2, S3 and S4, and overwrites index 2 everywhere.
 *
 * With the `unsafe` rule S1 counted its term-2 entry committed at (c) once a majority
 * stored it, so (d) overwrites a committed entry: the run fails with a leader
 * completeness violation when S5 takes office. With the `safe` rule (§5.4.2) S1 never
 * counted it committed, so nothing committed is lost. With `currentTermEntry`, S1 also
 * commits an entry of term 4 before crashing (panel e) and S5 cannot win.
 *
 * New leaders append no no-op here (the paper's figure has none): with one, S1's first
 * AppendEntries in term 4 would carry an entry of its term, and the trap would not show.
 *
 * @example
 * ```ts
 * import { logGrid } from "./raft_log_view.ts";
 *
 * const unsafe = figure8Scenario({ commitRule: "unsafe" });
 * unsafe.violation?.message; // Invariant "leader completeness" broken: S5 became leader of term 5 ...
 * logGrid(unsafe.steps[2]!.logs, { nodes: ["S1", "S2", "S3", "S4", "S5"] });
 * ```
 */
export function figure8Scenario(options: Figure8Options = {}): Figure8Scenario {
  const commitRule = options.commitRule ?? "safe";
  const initial: RaftDurableState = {
    currentTerm: 1,
    log: [kvEntry(1, "c0", 1, { f: "write", key: "x", value: 1 })],
  };
  const cluster = new RaftCluster({
    seed: 1,
    servers: FIG8_SERVERS,
    clients: ["c1", "c2", "c3", "c4"],
    network: { latency: { kind: "constant", ms: 5 } },
    raft: {
      // Elections happen only when the script calls campaign().
      electionTimeoutMinMs: 100_000,
      electionTimeoutMaxMs: 100_000,
      heartbeatIntervalMs: 50,
      appendNoopOnElection: false,
      unsafe: { commitPreviousTermByCount: commitRule === "unsafe" },
    },
    client: { attemptTimeoutMs: 100_000, operationTimeoutMs: 100_000 },
    initialState: Object.fromEntries(FIG8_SERVERS.map((id) => [id, initial])),
  });
  const script = new Script(cluster, "Figure 8");
  let violation: SimulationError | undefined;
  let s1CommitIndexAtCrash = 0;
  try {
    script.runTo(1);
    script.campaign("S1");
    script.runTo(20);
    script.expectLeader("S1", 2);
    cluster.simulation.partition([["S1", "S2"], ["S3", "S4", "S5"]]);
    cluster.submit("c1", { f: "write", key: "x", value: 2 }, { to: "S1" });
    script.runTo(40);
    script.step("(a) S1 leads term 2 and replicates index 2 to S2 only");
    cluster.simulation.crash("S1");
    script.runTo(45);
    cluster.simulation.heal();
    script.campaign("S5");
    script.runTo(70);
    script.expectLeader("S5", 3);
    cluster.simulation.partition([["S5"], ["S1", "S2", "S3", "S4"]]);
    cluster.submit("c2", { f: "write", key: "x", value: 3 }, { to: "S5" });
    script.runTo(90);
    script.step("(b) S1 crashed; S5 won term 3 (S3, S4 and itself) and appended index 2 alone");
    cluster.simulation.crash("S5");
    cluster.simulation.heal();
    cluster.simulation.restart("S1");
    // S1 recovers term 2, so its first attempt is in term 3, where S3 and S4 already voted.
    script.runTo(95);
    script.campaign("S1");
    script.runTo(110);
    script.campaign("S1");
    script.runTo(145);
    script.expectLeader("S1", 4);
    script.step(
      commitRule === "unsafe"
        ? "(c) S1 restarted, won term 4 and stored its index 2 on a majority: it counts it committed"
        : "(c) S1 restarted, won term 4 and stored its index 2 on a majority, not yet committed",
    );
    if (options.currentTermEntry === true) {
      cluster.submit("c3", { f: "write", key: "x", value: 4 }, { to: "S1" });
      script.runTo(170);
      script.step("(e) S1 replicated an entry of term 4 to a majority: indexes 2 and 3 commit");
    }
    s1CommitIndexAtCrash = cluster.server("S1")!.commitIndex;
    cluster.simulation.crash("S1");
    cluster.simulation.restart("S5");
    script.runTo(cluster.now + 5);
    script.campaign("S5");
    script.runTo(cluster.now + 15);
    script.campaign("S5");
    // Votes come back in 10 ms; S5's first AppendEntries is refused at index 2 and the
    // second, from index 2, overwrites it: 20 ms more.
    script.runTo(cluster.now + 30);
    if (options.currentTermEntry === true) {
      script.step("S5 cannot win: S2, S3 and S4 hold an entry of term 4, later than its last");
    } else {
      script.expectLeader("S5", 5);
      script.step("(d) S1 crashed; S5 won term 5 and overwrote index 2 on S2, S3 and S4");
      cluster.submit("c4", { f: "write", key: "x", value: 5 }, { to: "S5" });
      script.runTo(cluster.now + 30);
      script.step("S5 commits an entry of term 5, and with it its index 2");
    }
  } catch (error) {
    if (!(error instanceof SimulationError) || error.kind !== "safety") throw error;
    violation = error;
    script.step(`The run stopped: ${error.message.split("\n")[0]}`);
  }
  return {
    cluster,
    commitRule,
    steps: script.steps,
    violation,
    s1CommitIndexAtCrash,
    history: cluster.history,
  };
}

// ---- a partitioned old leader ------------------------------------------------------------

/** The partitioned-leader run. */
export interface PartitionedLeaderScenario {
  /** The cluster (n1–n5, clients c1 and c2), its trace recorded. */
  readonly cluster: RaftCluster;
  /** The leader cut off with one follower. */
  readonly oldLeader: NodeId;
  /** The follower cut off with it. */
  readonly companion: NodeId;
  /** The leader the majority elected. */
  readonly newLeader: NodeId;
  /** When the partition started and healed, in ms. */
  readonly partitionAtMs: number;
  /** When it healed, in ms. */
  readonly healAtMs: number;
  /** The old leader's commit index when it was cut off, and when the partition healed. */
  readonly oldLeaderCommitIndex: { readonly atPartition: number; readonly atHeal: number };
  /** The old leader's log length when the partition healed. */
  readonly oldLeaderLastIndexAtHeal: number;
  /** Each step with the logs then. */
  readonly steps: readonly ScenarioStep[];
  /** How c1's write through the old leader ended, and c2's through the new one. */
  readonly completions: { readonly c1: RaftClientCompletion; readonly c2: RaftClientCompletion };
  /** The history, checked linearizable. */
  readonly linearizability: LinearizabilityResult;
}

/**
 * A leader on the minority side of a partition keeps believing it leads (no one tells
 * it otherwise), accepts a client's write, replicates it to the one follower it can
 * reach, and cannot commit it: two of five is not a majority. The majority elects a new
 * leader, which commits another client's write. When the partition heals, the old leader
 * hears the higher term, steps down, and its uncommitted entry is overwritten; its client
 * times out, retries with the same session number, and the new leader applies the write
 * once.
 *
 * @example
 * ```ts
 * const run = partitionedLeaderScenario();
 * run.oldLeaderCommitIndex; // the same at the partition and at the heal
 * ```
 */
export function partitionedLeaderScenario(
  options: { readonly seed?: number } = {},
): PartitionedLeaderScenario {
  const cluster = new RaftCluster({
    seed: options.seed ?? 1,
    servers: 5,
    clients: 2,
    network: { latency: { kind: "constant", ms: 5 } },
    raft: { heartbeatIntervalMs: 50 },
    client: { attemptTimeoutMs: 400, operationTimeoutMs: 3000 },
  });
  const script = new Script(cluster, "the partitioned leader");
  const old = cluster.runUntilLeader();
  cluster.submit("c2", { f: "write", key: "x", value: 1 }, { to: old.id });
  cluster.runUntilCompleted("c2");
  cluster.simulation.runFor(60);
  const others = cluster.servers.filter((id) => id !== old.id);
  const companion = others[0]!;
  const majority = others.slice(1);
  const partitionAtMs = cluster.now;
  cluster.simulation.partition([[old.id, companion], majority]);
  const atPartition = old.commitIndex;
  script.step(
    `${old.id} leads term ${old.currentTerm}; the network splits it and ${companion} off`,
  );
  cluster.submit("c1", { f: "write", key: "x", value: 2 }, { to: old.id });
  script.runTo(cluster.now + 30);
  script.step(
    `c1 writes x=2 through ${old.id}: stored on ${old.id} and ${companion}, not committed`,
  );
  const next = cluster.runUntilLeader({ afterTerm: old.currentTerm });
  cluster.submit("c2", { f: "write", key: "x", value: 3 }, { to: next.id });
  const c2 = cluster.runUntilCompleted("c2");
  script.step(`${next.id} won term ${next.currentTerm} and committed c2's write x=3`);
  script.runTo(partitionAtMs + 300);
  const stale = cluster.server(old.id)!;
  const atHeal = stale.commitIndex;
  const lastAtHeal = stale.lastLogIndex;
  if (stale.role !== "leader") {
    throw new Error(
      `Cannot replay the partitioned leader: ${old.id} stopped leading before the heal`,
    );
  }
  script.step(`${old.id} still believes it leads term ${stale.currentTerm}, commit index stuck`);
  const healAtMs = cluster.now;
  cluster.simulation.heal();
  const c1 = cluster.runUntilCompleted("c1");
  script.runTo(cluster.now + 60);
  script.step(
    `Healed: ${old.id} stepped down, its entry was overwritten; c1's retry committed x=2 once`,
  );
  return {
    cluster,
    oldLeader: old.id,
    companion,
    newLeader: next.id,
    partitionAtMs,
    healAtMs,
    oldLeaderCommitIndex: { atPartition, atHeal },
    oldLeaderLastIndexAtHeal: lastAtHeal,
    steps: script.steps,
    completions: { c1, c2 },
    linearizability: cluster.checkLinearizable(),
  };
}

// ---- a stale read -------------------------------------------------------------------------

/** The stale-read run. */
export interface StaleReadScenario {
  /** The cluster (n1–n5, clients c1 and c2), its trace recorded. */
  readonly cluster: RaftCluster;
  /** How reads were served. */
  readonly reads: "local" | "read-index" | "log";
  /** The deposed leader c1 reads from. */
  readonly oldLeader: NodeId;
  /** The leader elected by the majority. */
  readonly newLeader: NodeId;
  /** How c1's read ended (`ok` with the value read, or `info` when unanswered). */
  readonly read: RaftClientCompletion;
  /** The clients' history. */
  readonly history: History;
  /** The linearizability check of it, with the evidence when it fails. */
  readonly linearizability: LinearizabilityResult;
}

/**
 * A read from a deposed leader. c2 writes x=1; the leader is cut off alone; the majority
 * elects a new leader and c2 writes x=2 through it; then c1 reads x from the old leader.
 *
 * - `local` (the unsafe variant): the old leader answers from its own state, x=1, after
 *   x=2 was acknowledged: the history is not linearizable, and the checker says why.
 * - `read-index`: the old leader must first hear from a majority that it still leads; it
 *   cannot, so the read goes unanswered (info) and the history stays linearizable.
 * - `log`: the read is a log entry, which the old leader cannot commit: unanswered too.
 *
 * @example
 * ```ts
 * import { historyBars } from "../check/history_bars.ts";
 *
 * const run = staleReadScenario({ reads: "local" });
 * run.linearizability.valid; // false
 * historyBars(run.history, { evidence: run.linearizability.evidence });
 * ```
 */
export function staleReadScenario(
  options: { readonly reads?: "local" | "read-index" | "log"; readonly seed?: number } = {},
): StaleReadScenario {
  const reads = options.reads ?? "local";
  const cluster = new RaftCluster({
    seed: options.seed ?? 1,
    servers: 5,
    clients: 2,
    network: { latency: { kind: "constant", ms: 5 } },
    raft: {
      heartbeatIntervalMs: 50,
      reads: reads === "log" ? "log" : "read-index",
      unsafe: { localReads: reads === "local" },
    },
    client: { attemptTimeoutMs: 1000, operationTimeoutMs: 1000 },
  });
  const old = cluster.runUntilLeader();
  cluster.submit("c2", { f: "write", key: "x", value: 1 }, { to: old.id });
  cluster.runUntilCompleted("c2");
  cluster.simulation.runFor(60);
  cluster.simulation.partition([[old.id], cluster.servers.filter((id) => id !== old.id)]);
  const next = cluster.runUntilLeader({ afterTerm: old.currentTerm });
  cluster.submit("c2", { f: "write", key: "x", value: 2 }, { to: next.id });
  cluster.runUntilCompleted("c2");
  cluster.submit("c1", { f: "read", key: "x" }, { to: old.id });
  const read = cluster.runUntilCompleted("c1", { withinMs: 2000 });
  const history = cluster.history;
  return {
    cluster,
    reads,
    oldLeader: old.id,
    newLeader: next.id,
    read,
    history,
    linearizability: checkLinearizable(history, { model: "kv" }),
  };
}

// ---- helpers ------------------------------------------------------------------------------

function kvEntry(term: number, clientId: string, seq: number, op: KvOperation): RaftEntry {
  return { term, command: { kind: "command", clientId, seq, op } };
}

/** Runs a scripted story and keeps its steps. */
class Script {
  readonly steps: ScenarioStep[] = [];
  readonly #cluster: RaftCluster;
  readonly #name: string;

  constructor(cluster: RaftCluster, name: string) {
    this.#cluster = cluster;
    this.#name = name;
  }

  runTo(timeMs: number): void {
    this.#cluster.simulation.runUntil(timeMs);
  }

  campaign(id: NodeId): void {
    const node = this.#cluster.server(id);
    if (node === undefined) throw new Error(`Cannot replay ${this.#name}: ${id} is crashed`);
    node.campaign();
  }

  expectLeader(id: NodeId, term: number): void {
    const node = this.#cluster.server(id);
    if (node?.role !== "leader" || node.currentTerm !== term) {
      throw new Error(
        `Cannot replay ${this.#name}: expected ${id} to lead term ${term} at ` +
          `${this.#cluster.now} ms, but ${this.#cluster.describeRoles()}`,
      );
    }
  }

  step(text: string): void {
    this.steps.push({
      atMs: this.#cluster.now,
      text,
      logs: clusterLogRows(this.#cluster),
    });
  }
}
