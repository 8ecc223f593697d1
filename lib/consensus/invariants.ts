/**
 * Raft's safety properties (§5.4, Figure 3), checked while a simulation runs:
 *
 * - **Election safety**: at most one leader is elected in a term.
 * - **Log matching**: if two logs hold an entry with the same index and term, they are
 *   identical up to that index.
 * - **Leader completeness**: an entry committed in a term is in the log of every leader
 *   of a later term.
 * - **State machine safety**: no two servers apply different entries at one index.
 * - **Monotonic commit**: a server's commit index and last applied index never go down.
 *   Both are volatile (Figure 2), so a restarted server starts again from 0: the rule
 *   holds within each incarnation of a server.
 *
 * The checker is incremental. Servers tell it what changed (see {@link RaftObserver}) and
 * it compares only that against small global tables, so checking after every event costs
 * next to nothing: a map of leaders per term, one record per (index, term) pair ever
 * stored, the committed and applied entries by index, and a copy of each leader's log
 * terms taken when it was elected. {@link raftStateProblems} is the slow, direct check of
 * whole logs, for the end of a run.
 *
 * Nothing here looks inside a state machine's commands beyond describing them, so the
 * checker works for Raft over any `StateMachine`.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { KvOperation } from "./kv_store.ts";
import type { RaftEntry } from "./raft_messages.ts";
import type { RaftEvent, RaftObserver, RaftServerView } from "./raft_options.ts";

/** The properties, as the invariants are named in a simulation's errors. */
export const RAFT_INVARIANTS = [
  "election safety",
  "log matching",
  "leader completeness",
  "state machine safety",
  "monotonic commit",
] as const;

/** The name of one of Raft's safety properties. */
export type RaftInvariantName = typeof RAFT_INVARIANTS[number];

/** A broken property: which, where and when. */
export interface RaftViolation {
  /** The property. */
  readonly invariant: RaftInvariantName;
  /** What was seen, in a sentence. */
  readonly message: string;
  /** The server whose change revealed it. */
  readonly node: NodeId;
  /** The time of the change (the simulation's true time, when a clock was given). */
  readonly timeMs: number | undefined;
}

/** The part of a simulation the checker registers with. */
export interface InvariantHost {
  /** Checks `check` after every event; a returned string fails the run. */
  addInvariant(name: string, check: () => string | undefined): void;
  /** The simulation's true time. */
  readonly now: number;
}

const descriptions = new WeakMap<RaftEntry<unknown>, string>();

/**
 * A short, stable description of an entry, to compare entries and print them
 * (`t3 c1#4 write k1="c1:4"`, `t2 no-op`). A key-value operation is written out; any
 * other command as its JSON text.
 */
export function describeEntry(entry: RaftEntry<unknown>): string {
  // Entries are frozen and travel between servers by reference, so most are described
  // once however many logs hold them.
  let text = descriptions.get(entry);
  if (text === undefined) {
    text = describeEntryNow(entry);
    descriptions.set(entry, text);
  }
  return text;
}

function describeEntryNow(entry: RaftEntry<unknown>): string {
  const command = entry.command;
  if (command.kind === "noop") return `t${entry.term} no-op`;
  const op = command.op;
  const what = !isKvOperation(op)
    ? JSON.stringify(op)
    : op.f === "read"
    ? `read ${op.key}`
    : op.f === "write"
    ? `write ${op.key}=${JSON.stringify(op.value)}`
    : `cas ${op.key} ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}`;
  return `t${entry.term} ${command.clientId}#${command.seq} ${what}`;
}

function isKvOperation(op: unknown): op is KvOperation {
  if (typeof op !== "object" || op === null) return false;
  const { f, key } = op as { f?: unknown; key?: unknown };
  return typeof key === "string" && (f === "read" || f === "write" || f === "cas");
}

interface CommittedEntry {
  readonly term: number;
  readonly text: string;
  /** The lowest term in which some server counted it committed. */
  committedInTerm: number;
  readonly by: NodeId;
}

/**
 * Checks Raft's safety properties as the servers report their changes. Pass
 * {@link RaftInvariants.observe} as each server's `observer` (or call it from yours),
 * and {@link RaftInvariants.attach} it to the simulation so a violation fails the run
 * with a safety error naming the property, the seed, the time and the replay line.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RaftNode } from "./raft_node.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const servers = ["n1", "n2", "n3"];
 * const invariants = new RaftInvariants();
 * invariants.attach(sim);
 * sim.addNodes(servers, (ctx) => new RaftNode(ctx, { servers, observer: invariants.observe }));
 * sim.runUntil(5_000); // a correct Raft runs clean; a broken property throws a SimulationError naming it
 * ```
 */
export class RaftInvariants {
  readonly #leaders = new Map<number, NodeId>();
  /** (index, term) → what the entry is and the term before it; see {@link pairKey}. */
  readonly #stored = new Map<number, { readonly text: string; readonly prevTerm: number }>();
  readonly #committed = new Map<number, CommittedEntry>();
  readonly #applied = new Map<number, { readonly text: string; readonly by: NodeId }>();
  /** Each elected leader's log terms when it took office, by term. */
  readonly #leaderLogs = new Map<number, { readonly node: NodeId; readonly terms: number[] }>();
  readonly #violations: RaftViolation[] = [];
  readonly #first = new Map<RaftInvariantName, RaftViolation>();
  #clock: (() => number) | undefined;
  /**
   * The highest commit and applied index each server incarnation has reported. Keyed by
   * the server object: a restart builds a new one, which rightly starts again from 0.
   */
  readonly #progress = new WeakMap<object, { commit: number; applied: number }>();

  /**
   * A checker with empty tables. `now` stamps violations with a time (attach does it
   * for you).
   */
  constructor(options: { readonly now?: () => number } = {}) {
    this.#clock = options.now;
  }

  /** Every violation seen, in order. */
  get violations(): readonly RaftViolation[] {
    return this.#violations;
  }

  /** The leader elected in each term so far. */
  get leadersByTerm(): ReadonlyMap<number, NodeId> {
    return this.#leaders;
  }

  /** The first violation of `invariant`, if any. */
  firstViolation(invariant: RaftInvariantName): RaftViolation | undefined {
    return this.#first.get(invariant);
  }

  /**
   * Registers the properties as invariants of `simulation`, checked after every event,
   * and uses its clock for the violations' times.
   */
  attach(simulation: InvariantHost): void {
    this.#clock ??= () => simulation.now;
    for (const name of RAFT_INVARIANTS) {
      simulation.addInvariant(name, () => this.#first.get(name)?.message);
    }
  }

  /** The observer to give each server (of any state machine). */
  readonly observe: RaftObserver<unknown, unknown> = (event: RaftEvent<unknown, unknown>): void => {
    switch (event.kind) {
      case "role":
        if (event.role === "leader") this.#onLeader(event.node, event.term);
        return;
      case "log":
        this.#onLog(event.node, event.fromIndex);
        return;
      case "commit":
        this.#checkMonotonic(event.node);
        this.#onCommit(event.node, event.fromIndex, event.toIndex);
        return;
      case "apply":
        this.#checkMonotonic(event.node);
        this.#onApply(event.node, event.index, event.entry);
        return;
      case "vote":
        return;
    }
  };

  #checkMonotonic(node: RaftServerView<unknown>): void {
    const seen = this.#progress.get(node);
    const commit = node.commitIndex, applied = node.lastApplied;
    if (seen === undefined) {
      this.#progress.set(node, { commit, applied });
      return;
    }
    if (commit < seen.commit) {
      this.#report(
        "monotonic commit",
        node.id,
        `${node.id} moved its commit index down from ${seen.commit} to ${commit}`,
      );
    }
    if (applied < seen.applied) {
      this.#report(
        "monotonic commit",
        node.id,
        `${node.id} moved its last applied index down from ${seen.applied} to ${applied}`,
      );
    }
    seen.commit = Math.max(seen.commit, commit);
    seen.applied = Math.max(seen.applied, applied);
  }

  #onLeader(node: RaftServerView<unknown>, term: number): void {
    const other = this.#leaders.get(term);
    if (other !== undefined && other !== node.id) {
      this.#report(
        "election safety",
        node.id,
        `${node.id} became leader of term ${term}, which ${other} already leads`,
      );
      return;
    }
    this.#leaders.set(term, node.id);
    const terms = node.logTerms();
    this.#leaderLogs.set(term, { node: node.id, terms });
    for (const [index, committed] of this.#committed) {
      if (committed.committedInTerm >= term) continue;
      if (terms[index - 1] !== committed.term) this.#missingCommitted(node.id, term, index, terms);
    }
  }

  #missingCommitted(leader: NodeId, term: number, index: number, terms: number[]): void {
    const committed = this.#committed.get(index)!;
    const has = index <= terms.length ? `an entry of term ${terms[index - 1]}` : "no entry";
    this.#report(
      "leader completeness",
      leader,
      `${leader} became leader of term ${term} with ${has} at index ${index}, where ` +
        `"${committed.text}" was committed in term ${committed.committedInTerm}`,
    );
  }

  #onLog(node: RaftServerView<unknown>, fromIndex: number): void {
    const last = node.lastLogIndex;
    for (let index = fromIndex; index <= last; index++) {
      const entry = node.entry(index)!;
      const text = describeEntry(entry);
      const prevTerm = node.termAt(index - 1);
      const key = pairKey(index, entry.term);
      const known = this.#stored.get(key);
      if (known === undefined) {
        this.#stored.set(key, { text, prevTerm });
      } else if (known.text !== text || known.prevTerm !== prevTerm) {
        // By induction on the index, one (index, term) pair meaning one entry with one
        // predecessor term is exactly the log matching property.
        this.#report(
          "log matching",
          node.id,
          `${node.id} holds "${text}" after an entry of term ${prevTerm} at index ${index}, ` +
            `where another log holds "${known.text}" after an entry of term ${known.prevTerm}`,
        );
      }
    }
  }

  #onCommit(node: RaftServerView<unknown>, fromIndex: number, toIndex: number): void {
    const term = node.currentTerm;
    const last = Math.min(toIndex, node.lastLogIndex);
    for (let index = fromIndex; index <= last; index++) {
      const entry = node.entry(index)!;
      const known = this.#committed.get(index);
      if (known !== undefined) {
        if (known.term !== entry.term) {
          this.#report(
            "state machine safety",
            node.id,
            `${node.id} committed "${describeEntry(entry)}" at index ${index}, where ` +
              `${known.by} committed "${known.text}"`,
          );
        } else if (term < known.committedInTerm) {
          known.committedInTerm = term;
        }
        continue;
      }
      const text = describeEntry(entry);
      this.#committed.set(index, { term: entry.term, text, committedInTerm: term, by: node.id });
      for (const [leaderTerm, log] of this.#leaderLogs) {
        if (leaderTerm <= term) continue;
        if (log.terms[index - 1] !== entry.term) {
          this.#missingCommitted(log.node, leaderTerm, index, log.terms);
        }
      }
    }
  }

  #onApply(node: RaftServerView<unknown>, index: number, entry: RaftEntry<unknown>): void {
    const text = describeEntry(entry);
    const known = this.#applied.get(index);
    if (known === undefined) {
      this.#applied.set(index, { text, by: node.id });
    } else if (known.text !== text) {
      this.#report(
        "state machine safety",
        node.id,
        `${node.id} applied "${text}" at index ${index}, where ${known.by} applied "${known.text}"`,
      );
    }
  }

  #report(invariant: RaftInvariantName, node: NodeId, message: string): void {
    const violation: RaftViolation = { invariant, message, node, timeMs: this.#clock?.() };
    this.#violations.push(violation);
    if (!this.#first.has(invariant)) this.#first.set(invariant, violation);
  }
}

/** One number for an (index, term) pair: exact while terms stay below 2^21. */
function pairKey(index: number, term: number): number {
  return index * 2_097_152 + term;
}

/**
 * The direct, whole-log check of what the servers hold now: log matching between every
 * pair of logs, and agreement of every committed prefix. Slower than
 * {@link RaftInvariants} (it compares every pair of logs entry by entry), so it is for
 * the end of a run. Returns one line per problem; empty when all is well.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RaftNode } from "./raft_node.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const servers = ["n1", "n2", "n3"];
 * sim.addNodes(servers, (ctx) => new RaftNode(ctx, { servers }));
 * sim.runUntil(2_000);
 * raftStateProblems(servers.map((id) => sim.node<RaftNode>(id)).filter((n) => n !== undefined)); // []
 * ```
 */
export function raftStateProblems(nodes: readonly RaftServerView<unknown>[]): string[] {
  const problems: string[] = [];
  for (let a = 0; a < nodes.length; a++) {
    for (let b = a + 1; b < nodes.length; b++) {
      const x = nodes[a]!, y = nodes[b]!;
      const common = Math.min(x.lastLogIndex, y.lastLogIndex);
      // Find the last index where both logs hold the same term: everything up to it must
      // match exactly.
      let agree = 0;
      for (let index = common; index >= 1; index--) {
        if (x.termAt(index) === y.termAt(index)) {
          agree = index;
          break;
        }
      }
      for (let index = 1; index <= agree; index++) {
        const ex = describeEntry(x.entry(index)!), ey = describeEntry(y.entry(index)!);
        if (ex !== ey) {
          problems.push(
            `log matching: ${x.id} and ${y.id} agree on the term at index ${agree} but differ ` +
              `at index ${index} ("${ex}" vs "${ey}")`,
          );
          break;
        }
      }
      const committed = Math.min(x.commitIndex, y.commitIndex);
      for (let index = 1; index <= committed; index++) {
        const ex = x.entry(index), ey = y.entry(index);
        if (ex === undefined || ey === undefined || describeEntry(ex) !== describeEntry(ey)) {
          problems.push(
            `state machine safety: ${x.id} and ${y.id} both committed index ${index} with ` +
              "different entries",
          );
          break;
        }
      }
    }
  }
  return problems;
}
