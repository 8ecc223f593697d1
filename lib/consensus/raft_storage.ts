/**
 * Raft's durable state (currentTerm, votedFor and the log) in a node's storage: the keys,
 * and how scenarios write a starting state and observers read it back.
 *
 * @module
 */
import type { DurableStorage, NodeId } from "../sim/node.ts";
import type { KvOperation } from "./kv_store.ts";
import { freezeEntry, type RaftEntry } from "./raft_messages.ts";

/**
 * Storage keys: the term, the vote, the log's length and one key per entry. Entries are
 * stored as JSON text: storage copies what it is given, and copying a string is far
 * cheaper than copying an object, which matters in sweeps of thousands of runs.
 * This one is the term's. Internal to the Raft files.
 */
export const TERM_KEY = "raft:currentTerm";
/** Storage key of votedFor. Internal to the Raft files. */
export const VOTE_KEY = "raft:votedFor";
/** Storage key of the log's length. Internal to the Raft files. */
export const LENGTH_KEY = "raft:logLength";
/** Storage key of the entry at `index`. Internal to the Raft files. */
export const entryKey = (index: number): string => `raft:log:${index}`;

/** The durable state of a server, as {@link writeRaftState} writes it. */
export interface RaftDurableState<C = KvOperation> {
  /** The latest term the server has seen. Default 0. */
  readonly currentTerm?: number;
  /** Whom it voted for in that term. Default none. */
  readonly votedFor?: NodeId | null;
  /** Its log, index 1 first. Default empty. */
  readonly log?: readonly RaftEntry<C>[];
}

/**
 * Writes a server's durable state before it starts: how scenarios set up logs of
 * different lengths or the starting point of the paper's Figure 8. Overwrites what the
 * storage held under Raft's keys.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RaftNode } from "./raft_node.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const servers = ["n1", "n2", "n3"];
 * sim.addNodes(servers, (ctx) => new RaftNode(ctx, { servers }));
 * // Servers read their storage when the run starts, so n2 starts in term 1 with one entry.
 * writeRaftState(sim.storage("n2"), { currentTerm: 1, log: [{ term: 1, command: { kind: "noop" } }] });
 * ```
 */
export function writeRaftState<C>(storage: DurableStorage, state: RaftDurableState<C>): void {
  const log = state.log ?? [];
  const old = storage.get<number>(LENGTH_KEY) ?? 0;
  for (let index = log.length + 1; index <= old; index++) storage.delete(entryKey(index));
  storage.set(TERM_KEY, state.currentTerm ?? 0);
  storage.set(VOTE_KEY, state.votedFor ?? null);
  log.forEach((entry, i) => storage.set(entryKey(i + 1), JSON.stringify(entry)));
  storage.set(LENGTH_KEY, log.length);
}

/** Reads a server's durable state (what a restarted server recovers from). */
export function readRaftState<C = KvOperation>(
  storage: DurableStorage,
): { currentTerm: number; votedFor: NodeId | null; log: RaftEntry<C>[] } {
  const length = storage.get<number>(LENGTH_KEY) ?? 0;
  const log: RaftEntry<C>[] = [];
  for (let index = 1; index <= length; index++) {
    const text = storage.get<string>(entryKey(index));
    if (typeof text !== "string") {
      throw new RangeError(`Cannot read the Raft log: entry ${index} of ${length} is missing`);
    }
    log.push(freezeEntry(JSON.parse(text) as RaftEntry<C>));
  }
  return {
    currentTerm: storage.get<number>(TERM_KEY) ?? 0,
    votedFor: storage.get<NodeId | null>(VOTE_KEY) ?? null,
    log,
  };
}
