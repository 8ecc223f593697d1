/**
 * A register replicated on a few nodes with last-writer-wins: each write is stamped by
 * the replica that takes it, copied to every other replica, and each replica keeps the
 * value with the largest stamp. With physical stamps the "last" writer is the one whose
 * clock ran ahead, not the one that wrote last: a write taken by a replica whose clock
 * is behind loses to an older write, although every replica acknowledged it.
 *
 * Stamps can also come from a Lamport or a hybrid logical clock, which every replica
 * advances past each stamp it sees: a write that follows another's acknowledgement then
 * always gets a larger stamp.
 *
 * @module
 */
import { z } from "zod";
import { nodeIdField, parseConfig, positiveMs } from "../config/mod.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { HybridLogicalClock } from "./hybrid_logical_clock.ts";
import { LamportClock } from "./lamport_clock.ts";

/** Which clock stamps writes: the replica's physical clock, a Lamport clock, or an HLC. */
export type LwwClockKind = "physical" | "lamport" | "hlc";

/**
 * A write's stamp: compared by `timeMs`, then `logical`, then `node` (so no two writes
 * tie). Physical stamps have `logical` 0; Lamport stamps have `timeMs` 0.
 */
export interface LwwStamp {
  /** Physical time, or an HLC's wall time, in ms (0 for Lamport stamps). */
  readonly timeMs: number;
  /** Lamport time, or an HLC's counter (0 for physical stamps). */
  readonly logical: number;
  /** The replica that stamped the write. */
  readonly node: NodeId;
}

/**
 * Orders two stamps: negative when `a` is older, positive when newer, 0 when equal.
 *
 * @example
 * ```ts
 * compareLwwStamps({ timeMs: 5, logical: 0, node: "r1" }, { timeMs: 5, logical: 0, node: "r2" }); // -1
 * ```
 */
export function compareLwwStamps(a: LwwStamp, b: LwwStamp): number {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** What replicas and the client say to each other. */
export type LwwMessage =
  | {
    /** A client's write, to the replica that will stamp it. */
    readonly type: "write";
    readonly writeId: number;
    readonly value: number;
    /** When the client sent it, on the client's clock. */
    readonly requestMs: number;
  }
  | {
    /** The coordinator's answer once every replica has the write. */
    readonly type: "write-ack";
    readonly writeId: number;
    /** The stamp the write got. */
    readonly stamp: LwwStamp;
  }
  | {
    /** A stamped write, copied to another replica. */
    readonly type: "replicate";
    readonly writeId: number;
    readonly value: number;
    readonly stamp: LwwStamp;
  }
  | {
    /** A replica has applied (or discarded) a copied write. */
    readonly type: "replicate-ack";
    readonly writeId: number;
  }
  | {
    /** A client's read. */
    readonly type: "read";
    readonly readId: number;
  }
  | {
    /** A replica's current value and its stamp (null before any write). */
    readonly type: "read-reply";
    readonly readId: number;
    readonly value: number | null;
    readonly stamp: LwwStamp | null;
  };

/** Zod schema of {@link LwwReplicaOptions}. */
export const LwwReplicaOptionsSchema = z.strictObject({
  /** Every replica of the register, this one included. */
  replicas: z.array(nodeIdField()).min(1, { error: "must name at least one replica" }),
  /** What stamps writes. Default "physical". */
  clock: z.enum(["physical", "lamport", "hlc"]).default("physical"),
});

/** Settings of an {@link LwwReplica}. */
export type LwwReplicaOptions = z.output<typeof LwwReplicaOptionsSchema>;

interface PendingWrite {
  readonly client: NodeId;
  readonly stamp: LwwStamp;
  acks: number;
}

/**
 * One replica of a last-writer-wins register. A write from a client is stamped here,
 * applied if its stamp is newer than the value held, copied to every other replica, and
 * acknowledged to the client once they all have it. A copy from another replica is
 * applied the same way, silently losing to a newer stamp.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNodes(["r1", "r2", "r3"], (ctx) => new LwwReplica(ctx, { replicas: ["r1", "r2", "r3"] }));
 * ```
 */
export class LwwReplica implements Node<LwwMessage> {
  readonly #ctx: NodeContext<LwwMessage>;
  readonly #options: LwwReplicaOptions;
  readonly #others: readonly NodeId[];
  readonly #lamport = new LamportClock();
  readonly #hlc: HybridLogicalClock;
  readonly #pending = new Map<number, PendingWrite>();
  #value: number | null = null;
  #stamp: LwwStamp | null = null;

  /** A replica acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<LwwMessage>, options: z.input<typeof LwwReplicaOptionsSchema>) {
    this.#ctx = ctx;
    this.#options = parseConfig(LwwReplicaOptionsSchema, options, "replica");
    this.#others = this.#options.replicas.filter((id) => id !== ctx.id);
    this.#hlc = new HybridLogicalClock(() => ctx.now());
  }

  /** The value this replica holds (null before any write). */
  get value(): number | null {
    return this.#value;
  }

  /** The stamp of the value this replica holds (null before any write). */
  get stamp(): LwwStamp | null {
    return this.#stamp;
  }

  /** Handles writes, copies, their acknowledgements and reads. */
  onMessage(from: NodeId, message: LwwMessage): void {
    switch (message.type) {
      case "write": {
        const stamp = this.#newStamp();
        this.#apply(message.value, stamp);
        if (this.#others.length === 0) {
          this.#ctx.send(from, { type: "write-ack", writeId: message.writeId, stamp });
          return;
        }
        this.#pending.set(message.writeId, { client: from, stamp, acks: 0 });
        for (const replica of this.#others) {
          this.#ctx.send(replica, {
            type: "replicate",
            writeId: message.writeId,
            value: message.value,
            stamp,
          });
        }
        return;
      }
      case "replicate":
        this.#observe(message.stamp);
        this.#apply(message.value, message.stamp);
        this.#ctx.send(from, { type: "replicate-ack", writeId: message.writeId });
        return;
      case "replicate-ack": {
        const pending = this.#pending.get(message.writeId);
        if (pending === undefined) return;
        pending.acks++;
        if (pending.acks < this.#others.length) return;
        this.#pending.delete(message.writeId);
        this.#ctx.send(pending.client, {
          type: "write-ack",
          writeId: message.writeId,
          stamp: pending.stamp,
        });
        return;
      }
      case "read":
        this.#ctx.send(from, {
          type: "read-reply",
          readId: message.readId,
          value: this.#value,
          stamp: this.#stamp,
        });
        return;
      default:
        return;
    }
  }

  #newStamp(): LwwStamp {
    const node = this.#ctx.id;
    switch (this.#options.clock) {
      case "physical":
        return { timeMs: this.#ctx.now(), logical: 0, node };
      case "lamport":
        return { timeMs: 0, logical: this.#lamport.send(), node };
      case "hlc": {
        const stamp = this.#hlc.send();
        return { timeMs: stamp.wallMs, logical: stamp.logical, node };
      }
    }
  }

  /** Moves a logical clock past a stamp seen in a copy, so later writes here stamp higher. */
  #observe(stamp: LwwStamp): void {
    if (this.#options.clock === "lamport") this.#lamport.receive(stamp.logical);
    if (this.#options.clock === "hlc") {
      this.#hlc.receive({ wallMs: stamp.timeMs, logical: stamp.logical });
    }
  }

  /** Last writer wins: keep the value with the newest stamp, drop the other without a word. */
  #apply(value: number, stamp: LwwStamp): void {
    if (this.#stamp === null || compareLwwStamps(stamp, this.#stamp) > 0) {
      this.#value = value;
      this.#stamp = stamp;
    }
  }
}

/** A client's write, from request to read-back. */
export interface LwwWriteRecord {
  /** 1, 2, ... in the order written. */
  readonly writeId: number;
  /** The value written (equal to writeId: every value is distinct). */
  readonly value: number;
  /** The replica that stamped it. */
  readonly coordinator: NodeId;
  /** When the client sent it, on the client's clock, in ms. */
  readonly requestMs: number;
  /** The stamp it got. */
  readonly stamp: LwwStamp;
  /** The value a replica returned when the client read right after the acknowledgement. */
  readonly readValue: number | null;
  /** Whether that value is not this write's: the write was acknowledged, then lost. */
  readonly lost: boolean;
}

/** Zod schema of {@link LwwClientOptions}. */
export const LwwClientOptionsSchema = z.strictObject({
  /** The replicas to write to (one chosen at random per write) and read from. */
  replicas: z.array(nodeIdField()).min(1, { error: "must name at least one replica" }),
  /** Writes to make, one after the other. Default 100. */
  writes: z.number().int({ error: "must be a whole number" }).min(0, {
    error: "must be at least 0",
  }).default(100),
  /** Mean pause between a read-back and the next write (exponential), in ms. Default 20. */
  meanGapMs: positiveMs().default(20),
});

/** Settings of an {@link LwwClient}. */
export type LwwClientOptions = z.output<typeof LwwClientOptionsSchema>;

/**
 * A client that writes 1, 2, 3, ... to the register, one at a time, each through a
 * random replica. After each acknowledgement (every replica has the write), it reads the
 * register from a random replica: a correct register returns the value just written.
 * It pauses a random time (mean `meanGapMs`) before the next write. Its writes are
 * sequential in real time, so each one is unambiguously the latest when it is made.
 */
export class LwwClient implements Node<LwwMessage, "write"> {
  /** One record per write, once its read-back has returned. */
  readonly records: LwwWriteRecord[] = [];
  readonly #ctx: NodeContext<LwwMessage, "write">;
  readonly #options: LwwClientOptions;
  #current:
    | { writeId: number; coordinator: NodeId; requestMs: number; stamp?: LwwStamp }
    | undefined;
  #written = 0;

  /** A client acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<LwwMessage, "write">,
    options: z.input<typeof LwwClientOptionsSchema>,
  ) {
    this.#ctx = ctx;
    this.#options = parseConfig(LwwClientOptionsSchema, options, "client");
  }

  /** Schedules the first write. */
  start(): void {
    if (this.#options.writes > 0) this.#pause();
  }

  /** Makes the next write. */
  onTimer(): void {
    const writeId = ++this.#written;
    const coordinator = this.#ctx.random.pick(this.#options.replicas);
    const requestMs = this.#ctx.now();
    this.#current = { writeId, coordinator, requestMs };
    this.#ctx.send(coordinator, { type: "write", writeId, value: writeId, requestMs });
  }

  /** Reads back after an acknowledgement; records the outcome after the read. */
  onMessage(_from: NodeId, message: LwwMessage): void {
    const current = this.#current;
    if (current === undefined) return;
    if (message.type === "write-ack" && message.writeId === current.writeId) {
      current.stamp = message.stamp;
      this.#ctx.send(this.#ctx.random.pick(this.#options.replicas), {
        type: "read",
        readId: current.writeId,
      });
      return;
    }
    if (message.type === "read-reply" && message.readId === current.writeId && current.stamp) {
      this.records.push({
        writeId: current.writeId,
        value: current.writeId,
        coordinator: current.coordinator,
        requestMs: current.requestMs,
        stamp: current.stamp,
        readValue: message.value,
        lost: message.value !== current.writeId,
      });
      this.#current = undefined;
      if (this.#written < this.#options.writes) this.#pause();
    }
  }

  #pause(): void {
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanGapMs), "write");
  }
}
