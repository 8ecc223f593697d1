/** A context for driving one Paxos process by hand: the test delivers messages and reads what it sent. */
import { MemoryStorage, type NodeContext, type NodeId, Random } from "../../lib/mod.ts";

/** What a process sent. */
export interface PaxosSent<M> {
  readonly to: NodeId;
  readonly message: M;
}

/** A context whose clock, network and timers the test drives. */
export class PaxosFakeContext<M, T> implements NodeContext<M & { type: string }, T> {
  readonly id: NodeId;
  readonly nodeIds: readonly NodeId[];
  readonly peers: readonly NodeId[];
  readonly incarnation: number;
  readonly random: Random;
  readonly storage: MemoryStorage;
  readonly sent: PaxosSent<M>[] = [];
  readonly timers = new Map<number, { readonly delayMs: number; readonly payload: T }>();
  #nextTimer = 1;

  constructor(
    id: NodeId,
    nodeIds: readonly NodeId[],
    options: { storage?: MemoryStorage; incarnation?: number } = {},
  ) {
    this.id = id;
    this.nodeIds = nodeIds;
    this.peers = nodeIds.filter((other) => other !== id);
    this.incarnation = options.incarnation ?? 1;
    this.random = new Random(1, id);
    this.storage = options.storage ?? new MemoryStorage();
  }

  now(): number {
    return 0;
  }

  send(to: NodeId, message: M): void {
    this.sent.push({ to, message });
  }

  setTimer(delayMs: number, payload: T): number {
    const id = this.#nextTimer++;
    this.timers.set(id, { delayMs, payload });
    return id;
  }

  cancelTimer(id: number): void {
    this.timers.delete(id);
  }

  log(): void {}

  /** Takes (and forgets) what was sent so far. */
  take(): PaxosSent<M>[] {
    return this.sent.splice(0);
  }
}
