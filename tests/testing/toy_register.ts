/**
 * A toy protocol to test the harness with: one register server (r1) and an idle spare
 * (r2) for the nemesis to hit as well, clients from lib/history that read, write and
 * cas, and a probe that writes once the faults have healed. Each bug switch breaks one
 * rule, so each kind of failure has a variant that shows it:
 *
 * - `volatile`: the server keeps its value in memory only; a crash loses an acknowledged
 *   write, and a later read shows it (history);
 * - `stuck`: after a restart the server answers nothing (liveness);
 * - `corrupt`: the server stores 100 more than a write of 3 asked for (safety: it holds
 *   a value no client wrote);
 * - `throw`: the server throws on a cas whose expected and new values are equal
 *   (exception).
 */
import { z } from "zod";
import {
  aimAt,
  defineTrial,
  HistoryRecorder,
  invariant,
  nemesisFromParams,
  nemesisParams,
  type Node,
  type NodeContext,
  type NodeId,
  RegisterClient,
  type RegisterClientTimer,
  type RegisterMessage,
  Simulation,
} from "./deps.ts";

/** The toy's parameters. */
export const ToyParamsSchema = z.strictObject({
  bug: z.enum(["none", "volatile", "stuck", "corrupt", "throw"]).default("none"),
  clients: z.number().int().min(1).default(2),
  operations: z.number().int().min(0).default(15),
  ...nemesisParams({
    faultsPerSecond: 8,
    faultsUntilMs: 1000,
    meanFaultDurationMs: 60,
    faultKinds: ["crash", "pause", "isolate"],
  }),
  livenessBoundMs: z.number().positive().default(500),
});

/** The register server. */
class ToyRegister implements Node<RegisterMessage> {
  readonly #ctx: NodeContext<RegisterMessage>;
  readonly #bug: string;
  #memory: number | null = null;

  constructor(ctx: NodeContext<RegisterMessage>, bug: string) {
    this.#ctx = ctx;
    this.#bug = bug;
  }

  get value(): number | null {
    return this.#bug === "volatile" ? this.#memory : this.#ctx.storage.get<number>("v") ?? null;
  }

  #set(value: number): void {
    const stored = this.#bug === "corrupt" && value === 3 ? 103 : value;
    if (this.#bug === "volatile") this.#memory = stored;
    else this.#ctx.storage.set("v", stored);
  }

  onMessage(from: NodeId, message: RegisterMessage): void {
    if (this.#bug === "stuck" && this.#ctx.incarnation > 1) return;
    switch (message.type) {
      case "read":
        this.#ctx.send(from, { type: "reply", id: message.id, ok: true, value: this.value });
        return;
      case "write":
        this.#set(message.value);
        this.#ctx.send(from, { type: "reply", id: message.id, ok: true, value: null });
        return;
      case "cas": {
        if (this.#bug === "throw" && message.expected === message.to) {
          throw new Error("cas to the same value");
        }
        const ok = this.value === message.expected;
        if (ok) this.#set(message.to);
        this.#ctx.send(from, { type: "reply", id: message.id, ok, value: null });
        return;
      }
      default:
        return;
    }
  }
}

/** Writes once when poked (recorded in the history), retrying every 50 ms until answered. */
class Probe implements Node<RegisterMessage, "retry"> {
  readonly #ctx: NodeContext<RegisterMessage, "retry">;
  readonly #recorder: HistoryRecorder;
  answered = false;
  #asked = false;

  constructor(ctx: NodeContext<RegisterMessage, "retry">, recorder: HistoryRecorder) {
    this.#ctx = ctx;
    this.#recorder = recorder;
  }

  poke(): void {
    this.#asked = true;
    this.#recorder.invoke(this.#ctx.id, "write", 0);
    this.onTimer();
  }

  onMessage(_from: NodeId, message: RegisterMessage): void {
    if (message.type !== "reply" || this.answered) return;
    this.answered = true;
    this.#recorder.ok(this.#ctx.id);
  }

  onTimer(): void {
    if (this.answered || !this.#asked) return;
    this.#ctx.send("r1", { type: "write", id: 1, value: 0 });
    this.#ctx.setTimer(50, "retry");
  }
}

/** What the toy trial builds. */
export interface ToySystem {
  readonly simulation: Simulation<RegisterMessage>;
  readonly recorder: HistoryRecorder;
  readonly history: HistoryRecorder["history"];
  readonly written: Set<number>;
}

/** The toy register as a trial. */
export const toyRegister = defineTrial({
  name: "toy-register",
  params: ToyParamsSchema,
  build: ({ params, seed, record, replay }): ToySystem => {
    const simulation = new Simulation<RegisterMessage>({ seed, record, replay });
    const recorder = new HistoryRecorder({ now: () => simulation.now });
    const written = new Set<number>();
    simulation.addNodes(["r1", "r2"], (ctx) => new ToyRegister(ctx, params.bug));
    const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
    simulation.addNodes<RegisterClientTimer>(clients, (ctx) =>
      new RegisterClient(ctx, {
        recorder,
        primary: "r1",
        readFrom: ["r1"],
        operations: params.operations,
        timeoutMs: 40,
        thinkMs: 60,
        values: 5,
      }));
    // Every value a client asked to store, to check the server holds only those.
    for (let v = 0; v < 5; v++) written.add(v);
    return {
      simulation,
      recorder,
      get history() {
        return recorder.history;
      },
      written,
    };
  },
  nemesis: (_system, { params }) => nemesisFromParams(params, ["r1", "r2"], aimAt(() => "r1", 0.8)),
  invariants: [
    invariant("holds only written values", (system: ToySystem) => {
      const server = system.simulation.node<ToyRegister>("r1");
      const value = server?.value ?? null;
      return value === null || system.written.has(value)
        ? undefined
        : `r1 holds ${value}, which no client wrote`;
    }),
  ],
  liveness: {
    name: "a write answered after the faults healed",
    withinMs: (params) => params.livenessBoundMs,
    prepare: (system) => {
      system.simulation.addNode<"retry">("probe", (ctx) => new Probe(ctx, system.recorder));
    },
    start: (system) => system.simulation.node<Probe>("probe")!.poke(),
    holds: (system) => system.simulation.node<Probe>("probe")!.answered,
    explain: (system) => `r1 is ${system.simulation.status("r1")}`,
  },
  untilMs: (params) => params.faultsUntilMs,
  row: ({ system, failure, recoveryMs, history }) => ({
    operations: system.history.filter((op) => op.type !== "invoke").length,
    linearizable: history?.valid ?? null,
    failure: failure?.kind ?? null,
    recoveryMs,
  }),
});
