/**
 * The state machine seam: a lock service, which knows nothing of Raft, replicated by
 * unchanged Raft servers under crashes, partitions and pauses. The clients here speak
 * Raft's client protocol for any state machine (ClientRequest / ClientReply).
 */
import assert from "node:assert/strict";
import { type Node, type NodeContext, type NodeId, Random, Simulation } from "../../lib/mod.ts";
import {
  type LockCommand,
  type LockResult,
  LockService,
  RaftInvariants,
  type RaftMessage,
  RaftNode,
  type RaftUnsafeOptions,
} from "../../lib/consensus/mod.ts";
import { generateNemesis } from "../../lib/sim/faults.ts";

Deno.test("LockService grants a free lock, refuses a held one, and fences each grant", () => {
  const locks = new LockService();
  assert.deepEqual(locks.apply({ op: "acquire", lock: "L", owner: "a" }), {
    ok: true,
    holder: "a",
    token: 1,
  });
  assert.deepEqual(
    locks.apply({ op: "acquire", lock: "L", owner: "a" }),
    { ok: true, holder: "a", token: 1 },
    "acquiring a lock one holds is idempotent",
  );
  assert.deepEqual(locks.apply({ op: "acquire", lock: "L", owner: "b" }), {
    ok: false,
    holder: "a",
    token: 1,
  });
  assert.deepEqual(
    locks.apply({ op: "release", lock: "L", owner: "b" }),
    { ok: false, holder: "a", token: 1 },
    "only the holder releases",
  );
  assert.equal(locks.apply({ op: "acquire", lock: "M", owner: "b" }).token, 2);
  assert.deepEqual(locks.apply({ op: "release", lock: "L", owner: "a" }), {
    ok: true,
    holder: null,
    token: 0,
  });
  assert.deepEqual(locks.apply({ op: "holder", lock: "L" }), { ok: true, holder: null, token: 0 });
  assert.equal(locks.apply({ op: "acquire", lock: "L", owner: "c" }).token, 3);
  assert.deepEqual(locks.grants.map((g) => `${g.lock}:${g.owner}:${g.token}`), [
    "L:a:1",
    "M:b:2",
    "L:c:3",
  ]);
  assert.equal(locks.isReadOnly({ op: "holder", lock: "L" }), true);
  assert.equal(locks.isReadOnly({ op: "release", lock: "L", owner: "a" }), false);
});

type LockMessage = RaftMessage<LockCommand, LockResult>;
type ClientTimer =
  | { readonly type: "attempt"; readonly seq: number; readonly attempt: number }
  | { readonly type: "next" };

/** A time a client believed it held the lock: from the grant to sending the release. */
interface Holding {
  readonly owner: NodeId;
  readonly token: number;
  readonly fromMs: number;
  toMs: number;
}

/**
 * Loops: acquire lock "L"; once granted, hold it a while, then release it; think; again.
 * A command is retried (same number) on the next server until some server answers it.
 */
class LockClient implements Node<LockMessage, ClientTimer> {
  readonly holdings: Holding[] = [];
  readonly #ctx: NodeContext<LockMessage, ClientTimer>;
  readonly #servers: readonly NodeId[];
  readonly #now: () => number;
  #seq = 0;
  #attempt = 0;
  #command: LockCommand | undefined;
  #target: NodeId;

  constructor(
    ctx: NodeContext<LockMessage, ClientTimer>,
    servers: readonly NodeId[],
    now: () => number,
  ) {
    this.#ctx = ctx;
    this.#servers = servers;
    this.#now = now;
    this.#target = servers[0]!;
  }

  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, 20), { type: "next" });
  }

  onMessage(from: NodeId, message: LockMessage): void {
    if (message.type !== "ClientReply" || message.seq !== this.#seq || !this.#command) return;
    if (message.status === "not-leader") {
      // Follow a hint at once; with none, the attempt timer moves on to the next server.
      const hint = message.leaderHint;
      if (hint !== null && hint !== from) {
        this.#target = hint;
        this.#send();
      }
      return;
    }
    const command = this.#command, result = message.result!;
    this.#command = undefined;
    this.#target = from;
    if (command.op === "acquire" && result.ok) {
      this.holdings.push({
        owner: this.#ctx.id,
        token: result.token,
        fromMs: this.#now(),
        toMs: Infinity,
      });
      this.#ctx.setTimer(this.#ctx.random.uniform(5, 40), { type: "next" });
    } else {
      this.#ctx.setTimer(this.#ctx.random.uniform(5, 40), { type: "next" });
    }
  }

  onTimer(timer: ClientTimer): void {
    if (timer.type === "next") {
      const holding = this.holdings.at(-1);
      if (holding !== undefined && holding.toMs === Infinity) {
        holding.toMs = this.#now();
        this.#issue({ op: "release", lock: "L", owner: this.#ctx.id });
      } else {
        this.#issue({ op: "acquire", lock: "L", owner: this.#ctx.id });
      }
      return;
    }
    if (timer.seq !== this.#seq || timer.attempt !== this.#attempt || !this.#command) return;
    this.#target = this.#next(this.#target);
    this.#send();
  }

  get commandsDone(): number {
    return this.#command === undefined ? this.#seq : this.#seq - 1;
  }

  #issue(command: LockCommand): void {
    this.#seq++;
    this.#command = command;
    this.#send();
  }

  #send(): void {
    this.#attempt++;
    this.#ctx.send(this.#target, {
      type: "ClientRequest",
      clientId: this.#ctx.id,
      seq: this.#seq,
      op: this.#command!,
    });
    this.#ctx.setTimer(40, { type: "attempt", seq: this.#seq, attempt: this.#attempt });
  }

  #next(server: NodeId): NodeId {
    return this.#servers[(this.#servers.indexOf(server) + 1) % this.#servers.length]!;
  }
}

type RaftUnsafeOptionsInput = Partial<RaftUnsafeOptions>;

const SERVERS = ["n1", "n2", "n3", "n4", "n5"];
const CLIENTS = ["c1", "c2", "c3"];
const FAULTS_UNTIL_MS = 2_000;

/** One run of the lock service on five Raft servers under a nemesis drawn from `seed`. */
function lockRun(seed: number, unsafe: RaftUnsafeOptionsInput = {}) {
  const faults = generateNemesis({
    nodes: SERVERS,
    endMs: FAULTS_UNTIL_MS,
    meanGapMs: 150,
    meanDurationMs: 150,
    kinds: ["partition", "isolate", "crash", "pause"],
  }, new Random(seed).child("nemesis"));
  const simulation = new Simulation<LockMessage>({
    seed,
    record: false,
    network: {
      latency: { kind: "uniform", minMs: 1, maxMs: 10 },
      lossProbability: 0.02,
      duplicateProbability: 0.02,
    },
    faults,
  });
  const invariants = new RaftInvariants();
  invariants.attach(simulation);
  simulation.addNodes(SERVERS, (ctx) =>
    new RaftNode<LockService>(ctx, {
      servers: SERVERS,
      electionTimeoutMinMs: 50,
      electionTimeoutMaxMs: 100,
      heartbeatIntervalMs: 15,
      stateMachine: () => new LockService(),
      observer: invariants.observe,
      unsafe,
    }));
  simulation.addNodes(CLIENTS, (ctx) => new LockClient(ctx, SERVERS, () => simulation.now));
  simulation.runUntil(FAULTS_UNTIL_MS);
  const clients = () => CLIENTS.map((id) => simulation.node<LockClient>(id)!);
  const doneAtHeal = clients().reduce((sum, c) => sum + c.commandsDone, 0);
  simulation.runUntil(FAULTS_UNTIL_MS + 1_000);
  const servers = SERVERS.map((id) => simulation.node<RaftNode<LockService>>(id))
    .filter((node) => node !== undefined);
  return { faults, clients: clients(), servers, doneAtHeal };
}

Deno.test("Raft replicates the lock service unchanged: 150 seeds of faults, one holder at a time, every grant fenced", () => {
  let grants = 0;
  for (let seed = 1; seed <= 150; seed++) {
    // A broken Raft invariant throws here, naming the seed and the property.
    const run = lockRun(seed);
    assert.ok(run.faults.length > 0, `seed ${seed} injects faults`);
    const furthest = run.servers.reduce((a, b) => (b.lastApplied > a.lastApplied ? b : a));
    const byToken = new Map(furthest.stateMachine.grants.map((g) => [g.token, g.owner]));
    const holdings = run.clients.flatMap((c) => c.holdings).sort((a, b) => a.fromMs - b.fromMs);
    for (const [i, holding] of holdings.entries()) {
      // What a client was told it holds is what every replica granted.
      assert.equal(
        byToken.get(holding.token),
        holding.owner,
        `seed ${seed} token ${holding.token}`,
      );
      const next = holdings[i + 1];
      if (next === undefined) continue;
      // Mutual exclusion in real time: the next holder got the lock after this one let go,
      // with a larger fencing token.
      assert.ok(
        next.fromMs >= holding.toMs,
        `seed ${seed}: ${next.owner} overlaps ${holding.owner}`,
      );
      assert.ok(next.token > holding.token, `seed ${seed}: tokens grow`);
    }
    // Replicas that applied the same prefix hold the same locks.
    for (const server of run.servers) {
      const mine = server.stateMachine.grants;
      assert.deepEqual(mine, furthest.stateMachine.grants.slice(0, mine.length));
    }
    // Liveness: once the faults heal, the clients keep getting and releasing the lock.
    const done = run.clients.reduce((sum, c) => sum + c.commandsDone, 0);
    assert.ok(done > run.doneAtHeal, `seed ${seed}: progress after the faults healed`);
    grants += holdings.length;
  }
  assert.ok(grants > 150 * 10, `the clients held the lock ${grants} times`);
});

Deno.test("the invariants check Raft over the lock service too: a broken variant is caught within 20 seeds", () => {
  let caught: number | undefined;
  for (let seed = 1; seed <= 20 && caught === undefined; seed++) {
    try {
      lockRun(seed, { lowerCommitIndex: true });
    } catch (error) {
      assert.match(String(error), /Invariant "monotonic commit" broken/);
      caught = seed;
    }
  }
  assert.ok(caught !== undefined, "lowerCommitIndex caught");
});

Deno.test("a lock holder query is answered by ReadIndex, without a log entry", () => {
  const simulation = new Simulation<LockMessage>({ seed: 3 });
  simulation.addNodes(SERVERS.slice(0, 3), (ctx) =>
    new RaftNode<LockService>(ctx, {
      servers: SERVERS.slice(0, 3),
      stateMachine: () => new LockService(),
    }));
  const replies: LockMessage[] = [];
  simulation.addNode(
    "c1",
    () => ({ onMessage: (_from: NodeId, m: LockMessage) => replies.push(m) }),
  );
  simulation.runUntilTrue(() =>
    SERVERS.slice(0, 3).some((id) => simulation.node<RaftNode<LockService>>(id)?.role === "leader")
  );
  const leader = SERVERS.slice(0, 3).map((id) => simulation.node<RaftNode<LockService>>(id)!)
    .find((node) => node.role === "leader")!;
  leader.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { op: "acquire", lock: "L", owner: "c1" },
  });
  simulation.runFor(100);
  const length = leader.lastLogIndex;
  leader.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 2,
    op: { op: "holder", lock: "L" },
  });
  simulation.runFor(100);
  assert.equal(leader.lastLogIndex, length, "the query appended nothing");
  assert.deepEqual(
    replies.map((m) => m.type === "ClientReply" ? m.result : undefined),
    [{ ok: true, holder: "c1", token: 1 }, { ok: true, holder: "c1", token: 1 }],
  );
});
