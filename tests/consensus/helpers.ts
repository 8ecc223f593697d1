/**
 * A hand-driven context for one Raft server (the harness's FakeContext): the test decides
 * the time, delivers messages, fires timers, and reads what the server sent, each with
 * the server's durable state at the moment it sent it. Like etcd's raft tests, the
 * protocol is exercised without a network.
 */
import { FakeContext as GenericFakeContext, type FakeSent } from "../../lib/testing/mod.ts";
import type { MemoryStorage, NodeId } from "../../lib/mod.ts";
import {
  type KvOperation,
  type RaftEntry,
  type RaftMessage,
  RaftNode,
  type RaftOptionsInput,
  type RaftTimer,
  readRaftState,
} from "../../lib/consensus/mod.ts";

/** What a server sent, with its durable state at the moment it sent it. */
export type Sent = FakeSent<RaftMessage, { readonly durable: ReturnType<typeof readRaftState> }>;

/** A context whose clock, network and timers the test drives. */
export class FakeContext extends GenericFakeContext<
  RaftMessage,
  RaftTimer,
  { durable: ReturnType<typeof readRaftState> }
> {
  constructor(
    id: NodeId,
    nodeIds: readonly NodeId[],
    options: { storage?: MemoryStorage; incarnation?: number; seed?: number } = {},
  ) {
    super(id, nodeIds, { ...options, onSend: (ctx) => ({ durable: readRaftState(ctx.storage) }) });
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
