/**
 * A leaderless, Dynamo-style replicated store. Every key lives on N replicas (its
 * preference list: N consecutive nodes of a ring, from the key's hash). A client
 * coordinates its own operations (as Voldemort's clients do): it sends a write to all N
 * and calls it done after W acknowledgements, and a read to all N, done after R replies.
 *
 * Around that core, the mechanisms a reader meets in Dynamo, Cassandra and Riak:
 * - versions by timestamp (last writer wins) or by version vector (concurrent writes
 *   kept as siblings);
 * - read repair: replicas that answered a read with an old version are sent the new one;
 * - sloppy quorums and hinted handoff: when a preferred replica does not answer, the next
 *   node of the ring takes the write with a hint naming its intended owner, and hands it
 *   over once the owner is back;
 * - anti-entropy: replicas compare Merkle trees and exchange only the buckets that differ;
 * - ABD (Attiya, Bar-Noy and Dolev, 1995): a write first learns the highest timestamp
 *   from a quorum, and a read writes back what it returns to a write quorum before
 *   returning, which makes the register linearizable when R + W > N.
 *
 * Unsafe switches remove one rule each, for tests that must catch them.
 *
 * @module
 */
import type { HistoryRecorder } from "../history/recorder.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { hashString } from "../sim/random.ts";
import { entryBytes, HASH_BYTES, HEADER_BYTES, INDEX_BYTES, MerkleTree } from "./merkle.ts";
import {
  compareVersions,
  covers,
  maxTimestamp,
  mergedVector,
  mergeSiblings,
  type Versioned,
  type Versioning,
} from "./versions.ts";

/** A key with its siblings, as anti-entropy and handoff carry them. */
export interface KeyEntry {
  /** The key. */
  readonly key: string;
  /** Its versions. */
  readonly siblings: readonly Versioned[];
}

/** Messages of the quorum store. */
export type QuorumMessage =
  | { readonly type: "Get"; readonly id: number; readonly key: string }
  | {
    readonly type: "GetReply";
    readonly id: number;
    readonly key: string;
    readonly siblings: readonly Versioned[];
  }
  | {
    readonly type: "Put";
    readonly id: number;
    readonly key: string;
    readonly siblings: readonly Versioned[];
    /** For a sloppy write: the preferred replica this copy stands in for. */
    readonly hint: NodeId | null;
  }
  | { readonly type: "PutAck"; readonly id: number; readonly key: string }
  | { readonly type: "Repair"; readonly key: string; readonly siblings: readonly Versioned[] }
  | { readonly type: "Handoff"; readonly entries: readonly KeyEntry[] }
  | { readonly type: "HandoffAck"; readonly entries: readonly KeyEntry[] }
  | {
    readonly type: "TreeLevel";
    readonly level: number;
    readonly nodes: readonly (readonly [number, number])[];
  }
  | {
    readonly type: "Buckets";
    readonly buckets: readonly number[];
    readonly entries: readonly KeyEntry[];
    /** Whether the receiver should answer with its own entries of those buckets. */
    readonly reply: boolean;
  };

/** The N replicas of `key`: N consecutive nodes of `ring`, from the key's hash. */
export function preferenceList(key: string, ring: readonly NodeId[], n: number): NodeId[] {
  const start = hashString(key) % ring.length;
  return Array.from(
    { length: Math.min(n, ring.length) },
    (_, i) => ring[(start + i) % ring.length]!,
  );
}

/** The nodes after the preferred ones, in ring order: where sloppy writes go. */
export function fallbackList(key: string, ring: readonly NodeId[], n: number): NodeId[] {
  const start = hashString(key) % ring.length;
  return Array.from(
    { length: Math.max(0, ring.length - n) },
    (_, i) => ring[(start + n + i) % ring.length]!,
  );
}

/** A replica's read-repair rule: what to store, given what it holds and what the repair brings. */
export type RepairRule = (
  current: readonly Versioned[],
  incoming: readonly Versioned[],
) => readonly Versioned[];

/** Deliberately broken replica rules, for tests that must catch them. */
export interface QuorumReplicaUnsafe {
  /** A read repair replaces the replica's versions instead of merging: it can go back in time. */
  readonly repairOverwrites?: boolean;
}

/** Options of a {@link QuorumReplica}. */
export interface QuorumReplicaOptions {
  /** Every storage node, in ring order. */
  readonly ring: readonly NodeId[];
  /** Replicas per key. */
  readonly n: number;
  /** How versions are ordered. */
  readonly versioning: Versioning;
  /** How often hinted writes are offered to their owners, in ms. Default 50. */
  readonly handoffIntervalMs?: number;
  /** How often to start anti-entropy with a random peer, in ms; undefined: never. */
  readonly antiEntropyIntervalMs?: number;
  /** Depth of the Merkle trees (2^depth leaf buckets). Default 6. */
  readonly merkleDepth?: number;
  /**
   * What a replica stores when a read repair brings `incoming`, given what it holds
   * (`current`). Default: merge them, keeping only versions nothing supersedes (a repair
   * never replaces a newer version).
   */
  readonly repairRule?: RepairRule;
  /** Persist versions to durable storage before acknowledging them. Default true. */
  readonly durable?: boolean;
  /** Broken rules to apply. Default none. */
  readonly unsafe?: QuorumReplicaUnsafe;
}

/** A replica's timers. */
export type QuorumReplicaTimer = "handoff" | "anti-entropy";

const KEY_PREFIX = "k:";
const HINT_PREFIX = "h:";

/**
 * A storage node. It persists every version it accepts before acknowledging it, keeps
 * hinted writes for other nodes apart (and serves them to reads), hands them over when
 * their owner answers, and runs Merkle anti-entropy with its peers when asked to.
 */
export class QuorumReplica implements Node<QuorumMessage, QuorumReplicaTimer> {
  readonly #ctx: NodeContext<QuorumMessage, QuorumReplicaTimer>;
  readonly #options: QuorumReplicaOptions;
  readonly #data = new Map<string, readonly Versioned[]>();
  /** Hinted writes: owner → key → versions. */
  readonly #hints = new Map<NodeId, Map<string, readonly Versioned[]>>();
  readonly #durable: boolean;
  /** Bumped on every change of the data, so a cached Merkle tree knows it is stale. */
  #dataVersion = 0;
  readonly #treeCache = new Map<NodeId, { version: number; tree: MerkleTree }>();
  #bytesSent = 0;
  #repairs = 0;

  /** A replica acting through `ctx`; it reloads what its durable storage holds. */
  constructor(ctx: NodeContext<QuorumMessage, QuorumReplicaTimer>, options: QuorumReplicaOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#durable = options.durable ?? true;
    for (const name of ctx.storage.keys()) {
      const value = ctx.storage.get<readonly Versioned[]>(name)!;
      if (name.startsWith(KEY_PREFIX)) this.#data.set(name.slice(KEY_PREFIX.length), value);
      else if (name.startsWith(HINT_PREFIX)) {
        const [owner, key] = splitHint(name);
        this.#hintsFor(owner).set(key, value);
      }
    }
  }

  /** Starts the handoff and anti-entropy timers. */
  start(): void {
    this.#ctx.setTimer(this.#options.handoffIntervalMs ?? 50, "handoff");
    const every = this.#options.antiEntropyIntervalMs;
    if (every !== undefined) this.#ctx.setTimer(this.#ctx.random.uniform(0, every), "anti-entropy");
  }

  /** The versions this replica holds for `key` (its own, not hinted ones). */
  siblings(key: string): readonly Versioned[] {
    return this.#data.get(key) ?? [];
  }

  /** Every key this replica holds (its own). */
  keys(): string[] {
    return [...this.#data.keys()];
  }

  /** How many hinted writes wait for their owners. */
  get hintCount(): number {
    let count = 0;
    for (const hints of this.#hints.values()) count += hints.size;
    return count;
  }

  /** Bytes this replica sent for anti-entropy (hashes and bucket entries). */
  get antiEntropyBytesSent(): number {
    return this.#bytesSent;
  }

  /** Read repairs and anti-entropy entries that changed this replica's data. */
  get repairsApplied(): number {
    return this.#repairs;
  }

  /** Handles a request, a repair, a handoff or an anti-entropy step. */
  onMessage(from: NodeId, message: QuorumMessage): void {
    const versioning = this.#options.versioning;
    switch (message.type) {
      case "Get": {
        let siblings = this.siblings(message.key);
        for (const hints of this.#hints.values()) {
          const hinted = hints.get(message.key);
          if (hinted !== undefined) siblings = mergeSiblings(siblings, hinted, versioning);
        }
        this.#ctx.send(from, { type: "GetReply", id: message.id, key: message.key, siblings });
        return;
      }
      case "Put":
        if (message.hint !== null && message.hint !== this.#ctx.id) {
          const hints = this.#hintsFor(message.hint);
          const merged = mergeSiblings(hints.get(message.key) ?? [], message.siblings, versioning);
          hints.set(message.key, merged);
          this.#ctx.storage.set(`${HINT_PREFIX}${message.hint}:${message.key}`, merged);
        } else {
          this.#merge(message.key, message.siblings);
        }
        this.#ctx.send(from, { type: "PutAck", id: message.id, key: message.key });
        return;
      case "Repair": {
        const rule = this.#options.repairRule;
        if (this.#options.unsafe?.repairOverwrites || rule !== undefined) {
          const current = this.siblings(message.key);
          const next = rule === undefined ? message.siblings : rule(current, message.siblings);
          this.#data.set(message.key, next);
          this.#dataVersion++;
          this.#ctx.storage.set(KEY_PREFIX + message.key, next);
          this.#repairs++;
        } else if (this.#merge(message.key, message.siblings)) {
          this.#repairs++;
        }
        return;
      }
      case "Handoff":
        for (const entry of message.entries) this.#merge(entry.key, entry.siblings);
        this.#ctx.send(from, { type: "HandoffAck", entries: message.entries });
        return;
      case "HandoffAck": {
        const hints = this.#hints.get(from);
        if (hints === undefined) return;
        for (const entry of message.entries) {
          const held = hints.get(entry.key);
          // Drop the hint only if the owner took everything it holds now.
          if (held !== undefined && covers(entry.siblings, held, versioning)) {
            hints.delete(entry.key);
            this.#ctx.storage.delete(`${HINT_PREFIX}${from}:${entry.key}`);
          }
        }
        return;
      }
      case "TreeLevel":
        this.#onTreeLevel(from, message.level, message.nodes);
        return;
      case "Buckets":
        for (const entry of message.entries) {
          if (this.#merge(entry.key, entry.siblings)) this.#repairs++;
        }
        if (message.reply) {
          this.#sendBuckets(from, message.buckets, false);
        }
        return;
      case "GetReply":
      case "PutAck":
        return;
    }
  }

  /** Offers hinted writes to their owners, or starts an anti-entropy round. */
  onTimer(timer: QuorumReplicaTimer): void {
    if (timer === "handoff") {
      for (const [owner, hints] of this.#hints) {
        if (hints.size === 0) continue;
        const entries = [...hints].map(([key, siblings]) => ({ key, siblings }));
        this.#ctx.send(owner, { type: "Handoff", entries });
      }
      this.#ctx.setTimer(this.#options.handoffIntervalMs ?? 50, "handoff");
      return;
    }
    const peers = this.#options.ring.filter((id) => id !== this.#ctx.id);
    if (peers.length > 0) this.startAntiEntropy(this.#ctx.random.pick(peers));
    this.#ctx.setTimer(this.#options.antiEntropyIntervalMs!, "anti-entropy");
  }

  /** Starts one anti-entropy round with `peer`: sends it this replica's root hash. */
  startAntiEntropy(peer: NodeId): void {
    const tree = this.#tree(peer);
    this.#sendTree(peer, 0, [[0, tree.hash(0, 0)]]);
  }

  /** Merges versions into the key; true when that changed what the replica holds. */
  #merge(key: string, incoming: readonly Versioned[]): boolean {
    const current = this.siblings(key);
    const versioning = this.#options.versioning;
    if (current.length > 0 && covers(current, incoming, versioning)) return false;
    const merged = current.length === 0 ? incoming : mergeSiblings(current, incoming, versioning);
    this.#data.set(key, merged);
    this.#dataVersion++;
    if (this.#durable) this.#ctx.storage.set(KEY_PREFIX + key, merged);
    return true;
  }

  #hintsFor(owner: NodeId): Map<string, readonly Versioned[]> {
    let hints = this.#hints.get(owner);
    if (hints === undefined) this.#hints.set(owner, hints = new Map());
    return hints;
  }

  /** The Merkle tree of the keys this replica shares with `peer` (both in the preference list). */
  #tree(peer: NodeId): MerkleTree {
    const cached = this.#treeCache.get(peer);
    if (cached !== undefined && cached.version === this.#dataVersion) return cached.tree;
    const tree = this.#buildTree(peer);
    this.#treeCache.set(peer, { version: this.#dataVersion, tree });
    return tree;
  }

  #buildTree(peer: NodeId): MerkleTree {
    const { ring, n } = this.#options;
    const shared = new Map<string, readonly Versioned[]>();
    for (const [key, siblings] of this.#data) {
      if (preferenceList(key, ring, n).includes(peer)) shared.set(key, siblings);
    }
    return new MerkleTree(shared, this.#options.merkleDepth ?? 6);
  }

  #onTreeLevel(from: NodeId, level: number, nodes: readonly (readonly [number, number])[]): void {
    const tree = this.#tree(from);
    const differing = nodes.filter(([index, hash]) => tree.hash(level, index) !== hash)
      .map(([index]) => index);
    if (differing.length === 0) return;
    if (level === tree.depth) {
      this.#sendBuckets(from, differing, true);
      return;
    }
    const children = differing.flatMap((i) =>
      [2 * i, 2 * i + 1].map((c) => [c, tree.hash(level + 1, c)] as const)
    );
    this.#sendTree(from, level + 1, children);
  }

  #sendTree(to: NodeId, level: number, nodes: readonly (readonly [number, number])[]): void {
    this.#bytesSent += HEADER_BYTES + nodes.length * (INDEX_BYTES + HASH_BYTES);
    this.#ctx.send(to, { type: "TreeLevel", level, nodes });
  }

  #sendBuckets(to: NodeId, buckets: readonly number[], reply: boolean): void {
    const tree = this.#tree(to);
    const entries: KeyEntry[] = [];
    let bytes = HEADER_BYTES + buckets.length * INDEX_BYTES;
    for (const bucket of buckets) {
      for (const key of tree.keysIn(bucket)) {
        const siblings = this.siblings(key);
        entries.push({ key, siblings });
        bytes += entryBytes(key, siblings);
      }
    }
    this.#bytesSent += bytes;
    this.#ctx.send(to, { type: "Buckets", buckets, entries, reply });
  }
}

function splitHint(name: string): [NodeId, string] {
  const rest = name.slice(HINT_PREFIX.length);
  const colon = rest.indexOf(":");
  return [rest.slice(0, colon), rest.slice(colon + 1)];
}

// ---- The coordinating client --------------------------------------------------------

/** Deliberately broken coordinator rules, for tests that must catch them. */
export interface QuorumClientUnsafe {
  /** Count every acknowledgement message, so one replica's duplicate ack counts twice. */
  readonly countDuplicateAcks?: boolean;
}

/** How a client's operations work. */
export interface QuorumClientOptions {
  /** Every storage node, in ring order. */
  readonly ring: readonly NodeId[];
  /** Replicas per key. */
  readonly n: number;
  /** Acknowledgements a write waits for. */
  readonly w: number;
  /** Replies a read waits for. */
  readonly r: number;
  /** How versions are ordered. */
  readonly versioning: Versioning;
  /**
   * `clock`: a write is stamped with the client's clock (Cassandra's last writer wins);
   * `read-first`: it first asks R replicas for their highest timestamp and writes one
   * above it (ABD). Vector versioning always reads first, to get the context it extends.
   */
  readonly writes: "clock" | "read-first";
  /** A read writes what it returns back to W replicas before returning (ABD). */
  readonly writeBack: boolean;
  /** Send the newest version to replicas that answered a read with an older one. */
  readonly readRepair: boolean;
  /** Send to the next nodes of the ring when preferred replicas do not answer. */
  readonly sloppy: boolean;
  /** Resend (or, sloppy, go to a fallback) after this long without an answer, in ms. */
  readonly retryMs?: number;
  /** Give up on an operation after this long (recorded `info`), in ms. */
  readonly timeoutMs?: number;
  /** Where operations are recorded (one at a time per client), if anywhere. */
  readonly recorder?: HistoryRecorder;
  /** Keep every completion in {@link QuorumClient.completions}. Default true. */
  readonly keepCompletions?: boolean;
  /** Broken rules to apply. Default none. */
  readonly unsafe?: QuorumClientUnsafe;
}

/** How an operation of a {@link QuorumClient} ended. Times are on the client's clock, in ms. */
export interface QuorumCompletion {
  /** The operation's id at this client. */
  readonly id: number;
  /** `read` or `write`. */
  readonly f: "read" | "write";
  /** The key. */
  readonly key: string;
  /** `ok`, or `info` when it timed out (a write may still take effect). */
  readonly status: "ok" | "info";
  /** What a read returned (every sibling), or what a write stored. */
  readonly siblings: readonly Versioned[];
  /** When it was invoked, on the client's clock. */
  readonly invokedMs: number;
  /** When it ended, on the client's clock. */
  readonly completedMs: number;
  /** The replicas that acknowledged (write) or answered (read), in order. */
  readonly from: readonly NodeId[];
}

/** A client's timers: retry or give up on an operation. */
export type QuorumClientTimer =
  | { readonly kind: "retry"; readonly id: number }
  | { readonly kind: "timeout"; readonly id: number };

interface Pending {
  readonly id: number;
  readonly f: "read" | "write";
  readonly key: string;
  readonly value: number | string | null;
  readonly invokedMs: number;
  readonly done: ((completion: QuorumCompletion) => void) | undefined;
  phase: "query" | "store" | "finished";
  /** Who each preferred slot is currently sent to (the preferred node or its stand-in). */
  targets: NodeId[];
  fallbacks: NodeId[];
  replies: Map<NodeId, readonly Versioned[]>;
  acks: Set<NodeId>;
  /**
   * The preferred slots acknowledged: a stand-in's ack and its owner's ack fill the same
   * slot, since the stand-in hands its copy to the owner and then drops it.
   */
  ackedSlots: Set<number>;
  /** The slot each node was sent for (its own, or the one it stands in for). */
  slotOf: Map<NodeId, number>;
  ackMessages: number;
  /** What the store phase writes (the write's new version, or a read's write-back). */
  storing: readonly Versioned[];
  /** A read's answer, once known. */
  answer: readonly Versioned[] | undefined;
  from: NodeId[];
  timers: TimerId[];
}

/**
 * A client that coordinates its own reads and writes over the replicas of each key.
 * Call {@link QuorumClient.write} and {@link QuorumClient.read} from outside the
 * simulation (a driver, a test); several may be in flight unless a recorder is set.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/simulation.ts";
 *
 * const ring = ["s1", "s2", "s3"];
 * const sim = new Simulation<QuorumMessage>({ seed: 1 });
 * sim.addNodes(ring, (ctx) => new QuorumReplica(ctx, { ring, n: 3, versioning: "timestamp" }));
 * sim.addNode("c1", (ctx) =>
 *   new QuorumClient(ctx, {
 *     ring, n: 3, w: 2, r: 2, versioning: "timestamp", writes: "read-first",
 *     writeBack: true, readRepair: false, sloppy: false,
 *   }));
 * sim.at(0, () => {
 *   const client = sim.node<QuorumClient>("c1")!;
 *   client.write("x", 1, () => client.read("x"));
 * });
 * sim.runUntil(1_000);
 * const { completions } = sim.node<QuorumClient>("c1")!;
 * completions.map((c) => `${c.f} ${c.status}`); // ["write ok", "read ok"]
 * completions[1]!.siblings[0]!.value; // 1
 * ```
 */
export class QuorumClient implements Node<QuorumMessage, QuorumClientTimer> {
  readonly #ctx: NodeContext<QuorumMessage, QuorumClientTimer>;
  readonly #options: QuorumClientOptions;
  readonly #pending = new Map<number, Pending>();
  /** Finished reads that may still repair replicas whose late replies are stale. */
  readonly #repairing = new Map<number, Pending>();
  readonly #completions: QuorumCompletion[] = [];
  #nextId = 1;

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<QuorumMessage, QuorumClientTimer>, options: QuorumClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Every operation that ended, in order. */
  get completions(): readonly QuorumCompletion[] {
    return this.#completions;
  }

  /** Operations in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Writes `value` under `key`; `done` is told how it ended. Returns the operation's id. */
  write(
    key: string,
    value: number | string,
    done?: (completion: QuorumCompletion) => void,
  ): number {
    const { writes, versioning } = this.#options;
    const op = this.#begin("write", key, value, done);
    if (writes === "read-first" || versioning === "vector") {
      this.#send(op, "query");
    } else {
      op.storing = [{ value, ts: this.#ctx.now(), writer: this.#ctx.id, vv: {} }];
      this.#send(op, "store");
    }
    return op.id;
  }

  /** Reads `key`; `done` is told the siblings read. Returns the operation's id. */
  read(key: string, done?: (completion: QuorumCompletion) => void): number {
    const op = this.#begin("read", key, null, done);
    this.#send(op, "query");
    return op.id;
  }

  /** Collects replies and acknowledgements. */
  onMessage(from: NodeId, message: QuorumMessage): void {
    if (message.type === "GetReply") {
      const op = this.#pending.get(message.id) ?? this.#repairing.get(message.id);
      if (op === undefined) return;
      op.replies.set(from, message.siblings);
      if (op.phase === "query") {
        if (op.replies.size >= this.#options.r) this.#quorumRead(op);
      } else if (op.f === "read" && this.#options.readRepair) {
        this.#repair(op);
        if (op.phase === "finished" && op.replies.size >= op.targets.length) {
          this.#repairing.delete(op.id);
        }
      }
      return;
    }
    if (message.type === "PutAck") {
      const op = this.#pending.get(message.id);
      if (op === undefined || op.phase !== "store") return;
      op.ackMessages++;
      if (!op.acks.has(from)) {
        op.acks.add(from);
        op.from.push(from);
      }
      const slot = op.slotOf.get(from);
      if (slot !== undefined) op.ackedSlots.add(slot);
      const count = this.#options.unsafe?.countDuplicateAcks ? op.ackMessages : op.ackedSlots.size;
      if (count >= this.#options.w) this.#finish(op, "ok");
    }
  }

  /** Retries the silent replicas of an operation, or gives it up. */
  onTimer(timer: QuorumClientTimer): void {
    const op = this.#pending.get(timer.id);
    if (op === undefined) return;
    if (timer.kind === "timeout") {
      this.#finish(op, "info");
      return;
    }
    const answered = op.phase === "query" ? new Set(op.replies.keys()) : op.acks;
    for (let slot = 0; slot < op.targets.length; slot++) {
      const target = op.targets[slot]!;
      if (answered.has(target)) continue;
      if (op.phase === "store" && op.ackedSlots.has(slot)) continue;
      let to = target;
      if (this.#options.sloppy && op.fallbacks.length > 0) {
        to = op.fallbacks.shift()!;
        op.targets[slot] = to;
        op.slotOf.set(to, slot);
      }
      this.#sendOne(op, to, op.phase === "query" ? null : this.#preferred(op.key)[slot]!);
    }
    op.timers.push(this.#ctx.setTimer(this.#options.retryMs!, { kind: "retry", id: op.id }));
  }

  #begin(
    f: "read" | "write",
    key: string,
    value: number | string | null,
    done: ((completion: QuorumCompletion) => void) | undefined,
  ): Pending {
    const recorder = this.#options.recorder;
    if (recorder !== undefined) recorder.invoke(this.#ctx.id, f, value, { key });
    const op: Pending = {
      id: this.#nextId++,
      f,
      key,
      value,
      invokedMs: this.#ctx.now(),
      done,
      phase: "query",
      targets: [],
      fallbacks: [],
      replies: new Map(),
      acks: new Set(),
      ackedSlots: new Set(),
      slotOf: new Map(),
      ackMessages: 0,
      storing: [],
      answer: undefined,
      from: [],
      timers: [],
    };
    this.#pending.set(op.id, op);
    if (this.#options.timeoutMs !== undefined) {
      op.timers.push(this.#ctx.setTimer(this.#options.timeoutMs, { kind: "timeout", id: op.id }));
    }
    return op;
  }

  #preferred(key: string): NodeId[] {
    return preferenceList(key, this.#options.ring, this.#options.n);
  }

  /** Starts a phase: sends to every preferred replica (and arms the retry timer). */
  #send(op: Pending, phase: "query" | "store"): void {
    op.phase = phase;
    op.targets = this.#preferred(op.key);
    op.fallbacks = this.#options.sloppy
      ? fallbackList(op.key, this.#options.ring, this.#options.n)
      : [];
    op.slotOf.clear();
    op.targets.forEach((target, slot) => op.slotOf.set(target, slot));
    for (const target of op.targets) this.#sendOne(op, target, null);
    if (this.#options.retryMs !== undefined) {
      op.timers.push(this.#ctx.setTimer(this.#options.retryMs, { kind: "retry", id: op.id }));
    }
  }

  #sendOne(op: Pending, to: NodeId, hint: NodeId | null): void {
    if (op.phase === "query") {
      this.#ctx.send(to, { type: "Get", id: op.id, key: op.key });
    } else {
      this.#ctx.send(to, {
        type: "Put",
        id: op.id,
        key: op.key,
        siblings: op.storing,
        hint: hint === to ? null : hint,
      });
    }
  }

  /** R replies are in: a read has its answer, a read-first write its version. */
  #quorumRead(op: Pending): void {
    const { versioning } = this.#options;
    let merged: Versioned[] = [];
    for (const siblings of op.replies.values()) {
      merged = mergeSiblings(merged, siblings, versioning);
    }
    if (op.f === "write") {
      const ts = maxTimestamp(merged) + 1;
      const base = versioning === "vector" ? mergedVector(merged) : {};
      const vv = versioning === "vector"
        ? { ...base, [this.#ctx.id]: (base[this.#ctx.id] ?? 0) + 1 }
        : {};
      op.storing = [{ value: op.value, ts, writer: this.#ctx.id, vv }];
      op.replies.clear();
      this.#send(op, "store");
      return;
    }
    op.answer = merged;
    op.from.push(...op.replies.keys());
    if (this.#options.readRepair) this.#repair(op);
    if (this.#options.writeBack) {
      op.storing = merged;
      this.#send(op, "store");
      return;
    }
    this.#finish(op, "ok");
  }

  /** Read repair: every replica that answered with less than the newest versions gets them. */
  #repair(op: Pending): void {
    const versioning = this.#options.versioning;
    let newest: Versioned[] = [];
    for (const siblings of op.replies.values()) {
      newest = mergeSiblings(newest, siblings, versioning);
    }
    for (const [replica, siblings] of op.replies) {
      if (!covers(siblings, newest, versioning)) {
        this.#ctx.send(replica, { type: "Repair", key: op.key, siblings: newest });
        op.replies.set(replica, newest);
      }
    }
  }

  #finish(op: Pending, status: "ok" | "info"): void {
    for (const timer of op.timers) this.#ctx.cancelTimer(timer);
    op.timers = [];
    this.#pending.delete(op.id);
    op.phase = "finished";
    const siblings = op.f === "read" ? op.answer ?? [] : op.storing;
    const completion: QuorumCompletion = {
      id: op.id,
      f: op.f,
      key: op.key,
      status,
      siblings,
      invokedMs: op.invokedMs,
      completedMs: this.#ctx.now(),
      from: op.from,
    };
    if (this.#options.keepCompletions ?? true) this.#completions.push(completion);
    // A read keeps listening for late replies, to repair the replicas that sent them.
    if (op.f === "read" && this.#options.readRepair && status === "ok") {
      this.#repairing.set(op.id, op);
    }
    const recorder = this.#options.recorder;
    if (recorder !== undefined) {
      if (status === "info") recorder.info(this.#ctx.id);
      else if (op.f === "read") {
        recorder.ok(this.#ctx.id, readValue(siblings, this.#options.versioning));
      } else recorder.ok(this.#ctx.id);
    }
    op.done?.(completion);
  }
}

/**
 * What a read returns to its caller: the newest value for timestamp versioning (null if
 * none), and for vector versioning every sibling's value, sorted, joined by `|`.
 */
export function readValue(
  siblings: readonly Versioned[],
  versioning: Versioning,
): number | string | null {
  if (siblings.length === 0) return null;
  if (versioning === "timestamp") {
    return siblings.reduce((a, b) => compareVersions(a, b, "timestamp") === "before" ? b : a).value;
  }
  return siblings.map((s) => String(s.value)).sort().join("|");
}
