/**
 * A hand-driven context for one Raft server: the test decides the time, delivers
 * messages, fires timers, and reads what the server sent and stored. Like etcd's raft
 * tests, the protocol is exercised without a network.
 */
import {
  type KvOperation,
  MemoryStorage,
  type NodeContext,
  type NodeId,
  type RaftEntry,
  type RaftMessage,
  RaftNode,
  type RaftOptionsInput,
  type RaftTimer,
  Random,
  readRaftState,
} from "../../lib/mod.ts";

/** What a server sent, with its durable state at the moment it sent it. */
export interface Sent {
  readonly to: NodeId;
  readonly message: RaftMessage;
  readonly durable: ReturnType<typeof readRaftState>;
}

/** A context whose clock, network and timers the test drives. */
export class FakeContext implements NodeContext<RaftMessage, RaftTimer> {
  readonly id: NodeId;
  readonly nodeIds: readonly NodeId[];
  readonly peers: readonly NodeId[];
  readonly incarnation: number;
  readonly random: Random;
  readonly storage: MemoryStorage;
  readonly sent: Sent[] = [];
  readonly timers = new Map<number, { readonly delayMs: number; readonly payload: RaftTimer }>();
  readonly notes: { text: string; data?: Readonly<Record<string, unknown>> }[] = [];
  time = 0;
  #nextTimer = 1;

  constructor(
    id: NodeId,
    nodeIds: readonly NodeId[],
    options: { storage?: MemoryStorage; incarnation?: number; seed?: number } = {},
  ) {
    this.id = id;
    this.nodeIds = nodeIds;
    this.peers = nodeIds.filter((other) => other !== id);
    this.incarnation = options.incarnation ?? 1;
    this.random = new Random(options.seed ?? 1, id);
    this.storage = options.storage ?? new MemoryStorage();
  }

  now(): number {
    return this.time;
  }

  send(to: NodeId, message: RaftMessage): void {
    this.sent.push({ to, message, durable: readRaftState(this.storage) });
  }

  setTimer(delayMs: number, payload: RaftTimer): number {
    const id = this.#nextTimer++;
    this.timers.set(id, { delayMs, payload });
    return id;
  }

  cancelTimer(id: number): void {
    this.timers.delete(id);
  }

  log(text: string, data?: Readonly<Record<string, unknown>>): void {
    this.notes.push({ text, ...(data === undefined ? {} : { data }) });
  }

  /** Takes (and forgets) what was sent so far. */
  take(): Sent[] {
    return this.sent.splice(0);
  }

  /** The pending timer with this payload type, or undefined. */
  timer(type: RaftTimer["type"]): { id: number; delayMs: number; payload: RaftTimer } | undefined {
    for (const [id, timer] of this.timers) {
      if (timer.payload.type === type) return { id, ...timer };
    }
    return undefined;
  }

  /** Fires the pending timer of this type on `node` (throws if there is none). */
  fire(node: RaftNode, type: RaftTimer["type"]): void {
    const timer = this.timer(type);
    if (timer === undefined) throw new Error(`no pending ${type} timer on ${this.id}`);
    this.timers.delete(timer.id);
    node.onTimer(timer.payload, timer.id);
  }
}

/** A started server on a fake context. */
export function server(
  id: NodeId,
  servers: readonly NodeId[],
  options: Omit<RaftOptionsInput, "servers"> = {},
  context: { storage?: MemoryStorage; incarnation?: number; seed?: number } = {},
): { node: RaftNode; ctx: FakeContext } {
  const ctx = new FakeContext(id, servers, context);
  const node = new RaftNode(ctx, { ...options, servers: [...servers] });
  node.start();
  return { node, ctx };
}

/** A kv write entry of `term`. */
export function write(term: number, value: number, key = "x", seq = value): RaftEntry {
  const op: KvOperation = { f: "write", key, value };
  return { term, command: { kind: "command", clientId: "c1", seq, op } };
}

/** The messages of one type among `sent`. */
export function ofType<T extends RaftMessage["type"]>(
  sent: readonly Sent[],
  type: T,
): (Sent & { message: Extract<RaftMessage, { type: T }> })[] {
  return sent.filter((s) => s.message.type === type) as (Sent & {
    message: Extract<RaftMessage, { type: T }>;
  })[];
}

/** Makes `node` (with peers `peers`) leader of its next term by granting it every vote. */
export function elect(node: RaftNode, ctx: FakeContext): void {
  ctx.fire(node, "election");
  for (const peer of ctx.peers) {
    node.onMessage(peer, { type: "RequestVoteReply", term: node.currentTerm, granted: true });
    if (node.role === "leader") break;
  }
  if (node.role !== "leader") throw new Error(`${ctx.id} did not become leader`);
}
