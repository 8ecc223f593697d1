/**
 * A partitioned, ordered log, as Apache Kafka's: a topic is split into partitions, each
 * an append-only sequence of records numbered by **offset**. A record's key chooses its
 * partition, so all records of one key are in one partition, in the order appended.
 * Order holds **per partition only**: there is no order between partitions.
 *
 * Consumers form a **consumer group**: the broker's group coordinator assigns each
 * partition to one live member, and the member processes it in offset order and
 * **commits** the offset it has reached. A member that stops heartbeating for the
 * session timeout is removed, and the coordinator **rebalances**: a new generation, the
 * partitions spread over the members left, each new owner starting from the committed
 * offset. Committing after processing replays what was processed but not yet committed
 * (at-least-once); committing before processing skips what was committed but not yet
 * processed (records lost).
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { Database } from "./database.ts";

/** One record of the log. */
export interface LogRecord {
  /** The partition. */
  readonly partition: number;
  /** Its position in the partition: 0, 1, 2, ... */
  readonly offset: number;
  /** The key that chose the partition. */
  readonly key: string;
  /** The value: here, the record's sequence number among its key's records. */
  readonly value: number;
  /** When it was appended, in virtual ms. */
  readonly appendedAtMs: number;
}

/** Messages between the log broker and its consumers. */
export type LogMessage =
  | { readonly type: "Heartbeat"; readonly generation: number }
  | {
    readonly type: "Assignment";
    readonly generation: number;
    readonly partitions: readonly number[];
    readonly committed: readonly number[];
  }
  | {
    readonly type: "Fetch";
    readonly partition: number;
    readonly offset: number;
    readonly generation: number;
  }
  | {
    readonly type: "Records";
    readonly partition: number;
    readonly offset: number;
    readonly records: readonly LogRecord[];
  }
  | {
    readonly type: "Commit";
    readonly partition: number;
    readonly offset: number;
    readonly generation: number;
  };

/** The partition of `key` among `partitions`: a stable hash (FNV-1a) of the key. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** One generation of the group: who owns which partition, from when. */
export interface GroupGeneration {
  /** The generation number: 1, 2, ... */
  readonly generation: number;
  /** When the coordinator made it, in virtual ms. */
  readonly atMs: number;
  /** The owner of each partition (null: no live member). */
  readonly owners: readonly (NodeId | null)[];
  /** Why it rebalanced ("c2 joined", "c1 timed out"). */
  readonly reason: string;
}

/** Options of {@link LogBroker}. */
export interface LogBrokerOptions {
  /** How many partitions the topic has. */
  readonly partitions: number;
  /** A member silent this long is removed from the group, in ms. */
  readonly sessionTimeoutMs: number;
  /** Most records in one fetch reply. Default 5. */
  readonly maxFetchRecords?: number;
}

/**
 * The log broker with the consumer group's coordinator. Appends come from the producer
 * side directly ({@link LogBroker.append}); the broker does not crash in the trials.
 */
export class LogBroker implements Node<LogMessage, "check"> {
  readonly #ctx: NodeContext<LogMessage, "check">;
  readonly #options: LogBrokerOptions;
  readonly #log: LogRecord[][];
  readonly #committed: number[];
  readonly #lastSeen = new Map<NodeId, number>();
  readonly #generations: GroupGeneration[] = [];
  #owners: (NodeId | null)[];

  /** A broker acting through `ctx`. */
  constructor(ctx: NodeContext<LogMessage, "check">, options: LogBrokerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#log = Array.from({ length: options.partitions }, () => []);
    this.#committed = Array.from({ length: options.partitions }, () => 0);
    this.#owners = Array.from({ length: options.partitions }, () => null);
  }

  /** The records of `partition`, in offset order. */
  partition(partition: number): readonly LogRecord[] {
    return this.#log[partition] ?? [];
  }

  /** The committed offset of each partition (the next offset to process). */
  get committed(): readonly number[] {
    return [...this.#committed];
  }

  /** Every generation the group went through, in order. */
  get generations(): readonly GroupGeneration[] {
    return this.#generations;
  }

  /** Starts the coordinator's check for silent members. */
  start(): void {
    this.#ctx.setTimer(this.#options.sessionTimeoutMs / 4, "check");
  }

  /** Appends a record with `key` to its partition; returns it. */
  append(key: string, value: number): LogRecord {
    const partition = partitionOf(key, this.#options.partitions);
    const records = this.#log[partition]!;
    const record = { partition, offset: records.length, key, value, appendedAtMs: this.#ctx.now() };
    records.push(record);
    return record;
  }

  /** Handles heartbeats (joins), fetches and commits. */
  onMessage(from: NodeId, message: LogMessage): void {
    switch (message.type) {
      case "Heartbeat": {
        const joined = !this.#lastSeen.has(from);
        this.#lastSeen.set(from, this.#ctx.now());
        if (joined) this.#rebalance(`${from} joined`);
        else if (message.generation !== this.#generation) this.#sendAssignment(from);
        return;
      }
      case "Fetch": {
        const records = this.#log[message.partition]?.slice(
          message.offset,
          message.offset + (this.#options.maxFetchRecords ?? 5),
        ) ?? [];
        this.#ctx.send(from, {
          type: "Records",
          partition: message.partition,
          offset: message.offset,
          records,
        });
        return;
      }
      case "Commit":
        // Fenced by generation: a member removed from the group (a "zombie") cannot move
        // the offset of a partition it no longer owns.
        if (
          message.generation === this.#generation &&
          this.#owners[message.partition] === from
        ) {
          this.#committed[message.partition] = message.offset;
        }
        return;
      default:
        return;
    }
  }

  /** Removes members silent for the session timeout. */
  onTimer(): void {
    const now = this.#ctx.now();
    for (const [member, seen] of [...this.#lastSeen]) {
      if (now - seen > this.#options.sessionTimeoutMs) {
        this.#lastSeen.delete(member);
        this.#rebalance(`${member} timed out`);
      }
    }
    this.#ctx.setTimer(this.#options.sessionTimeoutMs / 4, "check");
  }

  get #generation(): number {
    return this.#generations.length;
  }

  #rebalance(reason: string): void {
    const members = [...this.#lastSeen.keys()].sort();
    this.#owners = this.#owners.map((_, p) =>
      members.length === 0 ? null : members[p % members.length]!
    );
    this.#generations.push({
      generation: this.#generations.length + 1,
      atMs: this.#ctx.now(),
      owners: [...this.#owners],
      reason,
    });
    this.#ctx.log(`generation ${this.#generation}: ${reason}`);
    for (const member of members) this.#sendAssignment(member);
  }

  #sendAssignment(member: NodeId): void {
    this.#ctx.send(member, {
      type: "Assignment",
      generation: this.#generation,
      partitions: this.#owners.flatMap((owner, p) => owner === member ? [p] : []),
      committed: [...this.#committed],
    });
  }
}

/** What a log consumer tells the world's observer. */
export interface LogObserver {
  /** `consumer` finished processing `record`. */
  processed(record: LogRecord, consumer: NodeId): void;
}

/** Options of {@link LogConsumer}. */
export interface LogConsumerOptions {
  /** The broker's id. */
  readonly broker: NodeId;
  /** Time between heartbeats, in ms. */
  readonly heartbeatMs: number;
  /** How long processing one record takes, in ms: uniform between these. */
  readonly processingMs: readonly [number, number];
  /** Broken variant: commit a record's offset before processing it. Default false. */
  readonly commitBeforeProcessing?: boolean;
  /**
   * Keep each partition's next offset in this database, written in the same transaction
   * as the record's effect, and skip a record whose offset is below it: each record's
   * effect is applied once even when the broker's committed offset lags (effectively-once).
   * Default: none, effects follow the broker's committed offsets (at-least-once).
   */
  readonly offsetStore?: Database;
  /** Told about each record processed. */
  readonly observer?: LogObserver;
}

/** A log consumer's timer. */
export type LogConsumerTimer = "tick" | "done";

/**
 * A member of the consumer group: heartbeats, fetches its partitions from their
 * committed offsets, processes records one at a time in offset order per partition,
 * and commits after each (or, broken, before).
 */
export class LogConsumer implements Node<LogMessage, LogConsumerTimer> {
  readonly #ctx: NodeContext<LogMessage, LogConsumerTimer>;
  readonly #options: LogConsumerOptions;
  #generation = 0;
  /** Next offset to process, per owned partition. */
  readonly #position = new Map<number, number>();
  readonly #buffer = new Map<number, LogRecord[]>();
  #current: LogRecord | undefined;
  #turn = 0;

  /** A consumer acting through `ctx`. */
  constructor(ctx: NodeContext<LogMessage, LogConsumerTimer>, options: LogConsumerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** The partitions it owns, as it believes. */
  get partitions(): number[] {
    return [...this.#position.keys()];
  }

  /** Joins the group. */
  start(): void {
    this.onTimer("tick");
  }

  /** Takes assignments and fetched records. */
  onMessage(_from: NodeId, message: LogMessage): void {
    if (message.type === "Assignment") {
      if (message.generation <= this.#generation) return;
      this.#generation = message.generation;
      this.#position.clear();
      this.#buffer.clear();
      for (const p of message.partitions) {
        const stored = this.#options.offsetStore?.get<number>(`offset:${p}`) ?? 0;
        this.#position.set(p, Math.max(message.committed[p] ?? 0, stored));
        this.#buffer.set(p, []);
      }
      return;
    }
    if (message.type === "Records") {
      const buffer = this.#buffer.get(message.partition);
      const at = this.#position.get(message.partition);
      // Only the reply to the fetch from where it stands now, into an empty buffer.
      if (buffer === undefined || buffer.length > 0 || at !== message.offset) return;
      if (this.#current?.partition === message.partition) return;
      buffer.push(...message.records);
      this.#next();
    }
  }

  /** Heartbeats and fetches (tick), or finishes a record (done). */
  onTimer(timer: LogConsumerTimer): void {
    if (timer === "tick") {
      this.#ctx.send(this.#options.broker, { type: "Heartbeat", generation: this.#generation });
      for (const [p, offset] of this.#position) {
        if (this.#buffer.get(p)!.length === 0 && this.#current?.partition !== p) {
          this.#ctx.send(this.#options.broker, {
            type: "Fetch",
            partition: p,
            offset,
            generation: this.#generation,
          });
        }
      }
      this.#ctx.setTimer(this.#options.heartbeatMs, "tick");
      return;
    }
    const record = this.#current;
    if (record === undefined) return;
    this.#current = undefined;
    const store = this.#options.offsetStore;
    if (store === undefined) {
      this.#options.observer?.processed(record, this.#ctx.id);
    } else {
      // The effect and the offset commit together; a record already applied (by this
      // member before a crash, or by another owner) is skipped.
      const key = `offset:${record.partition}`;
      store.transaction((tx) => {
        if ((tx.get<number>(key) ?? 0) !== record.offset) return;
        tx.set(key, record.offset + 1);
        this.#options.observer?.processed(record, this.#ctx.id);
      });
    }
    if (this.#options.commitBeforeProcessing !== true) this.#commit(record);
    this.#next();
  }

  #next(): void {
    if (this.#current !== undefined) return;
    const owned = [...this.#position.keys()];
    for (let i = 0; i < owned.length; i++) {
      const p = owned[(this.#turn + i) % owned.length]!;
      const record = this.#buffer.get(p)!.shift();
      if (record === undefined) continue;
      this.#turn = (this.#turn + i + 1) % owned.length;
      this.#current = record;
      this.#position.set(p, record.offset + 1);
      if (this.#options.commitBeforeProcessing === true) this.#commit(record);
      const [min, max] = this.#options.processingMs;
      this.#ctx.setTimer(this.#ctx.random.uniform(min, max), "done");
      return;
    }
  }

  #commit(record: LogRecord): void {
    this.#ctx.send(this.#options.broker, {
      type: "Commit",
      partition: record.partition,
      offset: record.offset + 1,
      generation: this.#generation,
    });
  }
}
