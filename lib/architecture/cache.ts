/**
 * Cache-aside in front of a slow database, and the stampede when a hot key expires.
 *
 * App servers ({@link CacheAsideApp}) answer reads from a shared cache ({@link CacheNode});
 * on a miss they read the database ({@link OriginDatabase}) and fill the cache. Writes go
 * to the database, and then the app deletes the cached key (invalidation on write), so the
 * next read fetches the new value instead of serving the old one until its TTL runs out.
 * One race remains: a refill that read the old version just before the write can reach
 * the cache just after the delete, and the old version stays until its TTL (memcache's
 * leases, Nishtala et al. 2013, refuse such a late set).
 *
 * The stampede: a hot key expires, and every read that arrives before the first refill
 * lands misses and goes to the database. The database serves one read at a time, so the
 * burst queues there and the refill itself comes later, which lets even more reads miss.
 * Two fixes, as a `coalescing` option:
 *
 * - `single-flight`: an app server sends at most one database read per key at a time and
 *   answers every reader waiting on that key with its result (Go's singleflight,
 *   memcache's leases do the same across servers), so an expiry costs at most one read per
 *   app server.
 * - `early-refresh`: probabilistic early expiration (Vattani, Chierichetti and Lowenstein,
 *   "Optimal probabilistic cache stampede prevention", VLDB 2015): on a hit, an app
 *   refreshes the key in the background with a probability that rises as its expiry
 *   nears, `−δ·β·ln(U) ≥ ttlLeft` with δ the time a refill takes, so usually one reader
 *   refreshes it before it expires and no reader misses. A key deleted by a write has no
 *   expiry to anticipate, so its misses are coalesced as in single-flight.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** How app servers keep a hot key's expiry from stampeding the database. */
export type Coalescing = "none" | "single-flight" | "early-refresh";

/** Every message of the cache-aside system. */
export type CacheMessage =
  | { readonly type: "Read"; readonly key: string; readonly readId: number }
  | {
    readonly type: "ReadReply";
    readonly readId: number;
    readonly version: number;
    readonly hit: boolean;
  }
  | { readonly type: "Write"; readonly key: string; readonly writeId: number }
  | { readonly type: "WriteReply"; readonly writeId: number; readonly version: number }
  | { readonly type: "CacheGet"; readonly key: string; readonly opId: number }
  | {
    readonly type: "CacheGetReply";
    readonly opId: number;
    readonly key: string;
    readonly version: number | null;
    readonly ttlLeftMs: number;
  }
  | {
    readonly type: "CacheSet";
    readonly key: string;
    readonly version: number;
    readonly ttlMs: number;
  }
  | { readonly type: "CacheDelete"; readonly key: string }
  | { readonly type: "DbRead"; readonly key: string; readonly opId: number }
  | { readonly type: "DbWrite"; readonly key: string; readonly opId: number }
  | {
    readonly type: "DbReadReply" | "DbWriteReply";
    readonly opId: number;
    readonly key: string;
    readonly version: number;
  };

/**
 * The shared cache: values with a TTL on the cache's clock, expired lazily on read. A set
 * never replaces a newer version with an older one (two refills racing keep the newer).
 */
export class CacheNode implements Node<CacheMessage> {
  readonly #ctx: NodeContext<CacheMessage>;
  readonly #entries = new Map<string, { version: number; expiresAtMs: number }>();
  /** Entries that expired. */
  expirations = 0;
  /** Gets answered from the cache. */
  hits = 0;
  /** Gets that found nothing. */
  misses = 0;

  /** A cache acting through `ctx`. */
  constructor(ctx: NodeContext<CacheMessage>) {
    this.#ctx = ctx;
  }

  /** Answers gets, applies sets and deletes. */
  onMessage(from: NodeId, message: CacheMessage): void {
    const now = this.#ctx.now();
    if (message.type === "CacheGet") {
      let entry = this.#entries.get(message.key);
      if (entry !== undefined && now >= entry.expiresAtMs) {
        this.#entries.delete(message.key);
        this.expirations++;
        entry = undefined;
      }
      if (entry === undefined) this.misses++;
      else this.hits++;
      this.#ctx.send(from, {
        type: "CacheGetReply",
        opId: message.opId,
        key: message.key,
        version: entry?.version ?? null,
        ttlLeftMs: entry === undefined ? 0 : entry.expiresAtMs - now,
      });
    } else if (message.type === "CacheSet") {
      const entry = this.#entries.get(message.key);
      if (entry !== undefined && entry.version > message.version && now < entry.expiresAtMs) {
        return;
      }
      this.#entries.set(message.key, {
        version: message.version,
        expiresAtMs: now + message.ttlMs,
      });
    } else if (message.type === "CacheDelete") {
      this.#entries.delete(message.key);
    }
  }
}

/** Options of an {@link OriginDatabase}. */
export interface OriginDatabaseOptions {
  /** Time the database spends on each read or write, one at a time, in ms. */
  readonly serviceMs: number;
}

/**
 * The database: a version number per key, one operation at a time, each taking
 * `serviceMs`, in arrival order (a single-server queue, so a burst of reads waits in line).
 */
export class OriginDatabase implements Node<CacheMessage, number> {
  readonly #ctx: NodeContext<CacheMessage, number>;
  readonly #options: OriginDatabaseOptions;
  readonly #versions = new Map<string, number>();
  readonly #queue: { from: NodeId; message: CacheMessage & { type: "DbRead" | "DbWrite" } }[] = [];
  #busy = false;
  /** Reads served. */
  reads = 0;
  /** Writes served. */
  writes = 0;
  /** The longest the queue (waiting and in service) has been. */
  peakQueue = 0;
  /** Reads queued now, the one in service included. */
  readsQueued = 0;

  /** A database acting through `ctx`. */
  constructor(ctx: NodeContext<CacheMessage, number>, options: OriginDatabaseOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Operations queued now, the one in service included. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues reads and writes. */
  onMessage(from: NodeId, message: CacheMessage): void {
    if (message.type !== "DbRead" && message.type !== "DbWrite") return;
    this.#queue.push({ from, message });
    if (message.type === "DbRead") this.readsQueued++;
    this.peakQueue = Math.max(this.peakQueue, this.#queue.length);
    if (!this.#busy) this.#serveNext();
  }

  /** Finishes the operation at the head of the queue. */
  onTimer(): void {
    const { from, message } = this.#queue.shift()!;
    let version = this.#versions.get(message.key) ?? 1;
    if (message.type === "DbWrite") {
      version++;
      this.#versions.set(message.key, version);
      this.writes++;
    } else {
      this.reads++;
      this.readsQueued--;
    }
    this.#ctx.send(from, {
      type: message.type === "DbRead" ? "DbReadReply" : "DbWriteReply",
      opId: message.opId,
      key: message.key,
      version,
    });
    this.#busy = false;
    if (this.#queue.length > 0) this.#serveNext();
  }

  #serveNext(): void {
    this.#busy = true;
    this.#ctx.setTimer(this.#options.serviceMs, 0);
  }
}

/** Options of a {@link CacheAsideApp}. */
export interface CacheAsideAppOptions {
  /** The cache's node id. */
  readonly cache: NodeId;
  /** The database's node id. */
  readonly database: NodeId;
  /** The TTL the app sets on each cached value, in ms. */
  readonly ttlMs: number;
  /** How the app keeps an expiry from stampeding the database. */
  readonly coalescing: Coalescing;
  /** Whether a write deletes the cached key. */
  readonly invalidateOnWrite: boolean;
  /** β of probabilistic early refresh: larger refreshes earlier. Default 1. */
  readonly earlyRefreshBeta?: number;
}

type Waiter = { client: NodeId; readId: number };

/** An app server doing cache-aside reads and invalidating writes. */
export class CacheAsideApp implements Node<CacheMessage> {
  readonly #ctx: NodeContext<CacheMessage>;
  readonly #options: CacheAsideAppOptions;
  readonly #gets = new Map<number, Waiter>();
  readonly #fetches = new Map<number, { key: string; waiters: Waiter[]; sentAtMs: number }>();
  readonly #inFlight = new Map<string, number>();
  readonly #writes = new Map<number, Waiter>();
  #refillMs = 0;
  #nextOp = 1;
  /** Database reads this app sent. */
  fetches = 0;
  /** Background refreshes started by early refresh. */
  earlyRefreshes = 0;

  /** An app server acting through `ctx`. */
  constructor(ctx: NodeContext<CacheMessage>, options: CacheAsideAppOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Handles clients' reads and writes and the replies of the cache and the database. */
  onMessage(from: NodeId, message: CacheMessage): void {
    switch (message.type) {
      case "Read": {
        const opId = this.#nextOp++;
        this.#gets.set(opId, { client: from, readId: message.readId });
        this.#ctx.send(this.#options.cache, { type: "CacheGet", key: message.key, opId });
        return;
      }
      case "CacheGetReply":
        this.#onGet(message);
        return;
      case "DbReadReply": {
        const fetch = this.#fetches.get(message.opId);
        if (fetch === undefined) return;
        this.#fetches.delete(message.opId);
        if (this.#inFlight.get(message.key) === message.opId) this.#inFlight.delete(message.key);
        this.#refillMs = this.#ctx.now() - fetch.sentAtMs;
        this.#ctx.send(this.#options.cache, {
          type: "CacheSet",
          key: message.key,
          version: message.version,
          ttlMs: this.#options.ttlMs,
        });
        for (const waiter of fetch.waiters) {
          this.#ctx.send(waiter.client, {
            type: "ReadReply",
            readId: waiter.readId,
            version: message.version,
            hit: false,
          });
        }
        return;
      }
      case "Write": {
        const opId = this.#nextOp++;
        this.#writes.set(opId, { client: from, readId: message.writeId });
        this.#ctx.send(this.#options.database, { type: "DbWrite", key: message.key, opId });
        return;
      }
      case "DbWriteReply": {
        const writer = this.#writes.get(message.opId);
        if (writer === undefined) return;
        this.#writes.delete(message.opId);
        // Delete, not set: a set could race an older refill and lose; a delete makes the
        // next reader fetch whatever the database holds then.
        if (this.#options.invalidateOnWrite) {
          this.#ctx.send(this.#options.cache, { type: "CacheDelete", key: message.key });
        }
        this.#ctx.send(writer.client, {
          type: "WriteReply",
          writeId: writer.readId,
          version: message.version,
        });
        return;
      }
      default:
        return;
    }
  }

  #onGet(reply: CacheMessage & { type: "CacheGetReply" }): void {
    const waiter = this.#gets.get(reply.opId);
    if (waiter === undefined) return;
    this.#gets.delete(reply.opId);
    if (reply.version !== null) {
      this.#ctx.send(waiter.client, {
        type: "ReadReply",
        readId: waiter.readId,
        version: reply.version,
        hit: true,
      });
      if (this.#options.coalescing === "early-refresh" && !this.#inFlight.has(reply.key)) {
        const beta = this.#options.earlyRefreshBeta ?? 1;
        // 1 - next() is in (0, 1], so the logarithm is finite.
        const gap = -this.#refillMs * beta * Math.log(1 - this.#ctx.random.next());
        if (gap >= reply.ttlLeftMs) {
          this.earlyRefreshes++;
          this.#fetch(reply.key, []);
        }
      }
      return;
    }
    const flying = this.#inFlight.get(reply.key);
    if (this.#options.coalescing !== "none" && flying !== undefined) {
      this.#fetches.get(flying)!.waiters.push(waiter);
      return;
    }
    this.#fetch(reply.key, [waiter]);
  }

  #fetch(key: string, waiters: Waiter[]): void {
    const opId = this.#nextOp++;
    this.fetches++;
    this.#fetches.set(opId, { key, waiters, sentAtMs: this.#ctx.now() });
    this.#inFlight.set(key, opId);
    this.#ctx.send(this.#options.database, { type: "DbRead", key, opId });
  }
}

/** One read as a client saw it. */
export interface ReadRecord {
  /** When it was sent, true time in ms. */
  readonly invokedAtMs: number;
  /** When its answer came, true time in ms. */
  readonly returnedAtMs: number;
  /** The version read. */
  readonly version: number;
  /** Whether the cache answered it. */
  readonly hit: boolean;
}

/** Options of a {@link CacheClient}. */
export interface CacheClientOptions {
  /** The app servers; each request goes to one at random. */
  readonly apps: readonly NodeId[];
  /** The key read and written. */
  readonly key: string;
  /** Mean time between reads, in ms (a Poisson stream). */
  readonly meanReadGapMs: number;
  /** Time between writes, in ms (0: this client never writes). */
  readonly writeEveryMs: number;
  /** True time, for the records (an observer's clock, not the node's). */
  readonly now: () => number;
}

/** A client reading (and perhaps writing) one key through the app servers. */
export class CacheClient implements Node<CacheMessage, "read" | "write"> {
  readonly #ctx: NodeContext<CacheMessage, "read" | "write">;
  readonly #options: CacheClientOptions;
  readonly #invoked = new Map<number, number>();
  readonly #written = new Map<number, number>();
  #next = 1;
  /** Completed reads. */
  readonly reads: ReadRecord[] = [];
  /** Acknowledged writes, as [true time of the acknowledgement, version]. */
  readonly writesAcknowledged: [number, number][] = [];

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<CacheMessage, "read" | "write">, options: CacheClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Starts the read stream and, for a writer, the writes. */
  start(): void {
    if (this.#options.meanReadGapMs > 0) {
      this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanReadGapMs), "read");
    }
    if (this.#options.writeEveryMs > 0) this.#ctx.setTimer(this.#options.writeEveryMs, "write");
  }

  /** Sends a read or a write. */
  onTimer(payload: "read" | "write"): void {
    const id = this.#next++;
    const app = this.#ctx.random.pick(this.#options.apps);
    if (payload === "read") {
      this.#invoked.set(id, this.#options.now());
      this.#ctx.send(app, { type: "Read", key: this.#options.key, readId: id });
      this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanReadGapMs), "read");
    } else {
      this.#written.set(id, this.#options.now());
      this.#ctx.send(app, { type: "Write", key: this.#options.key, writeId: id });
      this.#ctx.setTimer(this.#options.writeEveryMs, "write");
    }
  }

  /** Records answers. */
  onMessage(_from: NodeId, message: CacheMessage): void {
    if (message.type === "ReadReply") {
      const invokedAtMs = this.#invoked.get(message.readId);
      if (invokedAtMs === undefined) return;
      this.#invoked.delete(message.readId);
      this.reads.push({
        invokedAtMs,
        returnedAtMs: this.#options.now(),
        version: message.version,
        hit: message.hit,
      });
    } else if (message.type === "WriteReply") {
      this.writesAcknowledged.push([this.#options.now(), message.version]);
    }
  }
}

/**
 * Reads that returned a version older than one whose write was acknowledged before the
 * read was sent: what a cache without invalidation serves until the TTL runs out.
 */
export function staleReads(
  reads: readonly ReadRecord[],
  writesAcknowledged: readonly (readonly [number, number])[],
): number {
  const writes = [...writesAcknowledged].sort((a, b) => a[0] - b[0]);
  let stale = 0;
  for (const read of reads) {
    let newest = 0;
    for (const [atMs, version] of writes) {
      if (atMs >= read.invokedAtMs) break;
      newest = Math.max(newest, version);
    }
    if (read.version < newest) stale++;
  }
  return stale;
}
