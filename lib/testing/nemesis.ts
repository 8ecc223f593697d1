/**
 * A nemesis for any protocol, as Jepsen's: several fault timelines run at once, one for
 * the network (partitions, isolation, one-way cuts) and one or more for the nodes
 * (crashes, pauses, clock jumps), so faults overlap. Each timeline (when its faults start
 * and end, and their kinds) is drawn from a seed before the run, by {@link planNemesis};
 * {@link applyNemesis} picks each fault's target when it starts, through an `aim` hook,
 * so a protocol can aim faults where they hurt ({@link aimAt}: "hunt the leader").
 *
 * @module
 */
import type { Fault, NemesisFaultKind } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import type { Simulation } from "../sim/simulation.ts";

/** The fault kinds that cut links (the network timeline draws them). */
export const NETWORK_FAULT_KINDS: readonly NemesisFaultKind[] = [
  "partition",
  "isolate",
  "partition-one-way",
];

/** Every kind of fault the nemesis can inject. */
export const NEMESIS_FAULT_KINDS: readonly NemesisFaultKind[] = [
  "partition",
  "isolate",
  "partition-one-way",
  "crash",
  "pause",
  "clock-jump",
];

/** One planned fault: which timeline runs it, its kind, and when it starts and ends. */
export interface NemesisStep {
  /** 0 for the network timeline, 1, 2, ... for the node timelines. */
  readonly process: number;
  /** The kind of fault. */
  readonly kind: NemesisFaultKind;
  /** When it starts, in ms. */
  readonly startMs: number;
  /** When it ends (heal, restart, resume), in ms; equal to `startMs` for a clock jump. */
  readonly endMs: number;
}

/** Options of {@link planNemesis}. */
export interface NemesisPlanOptions {
  /** Every fault has ended by this time, in ms. */
  readonly endMs: number;
  /**
   * Mean rate at which faults start, over all timelines together, per second of virtual
   * time. Give this or `meanGapMs`.
   */
  readonly faultsPerSecond?: number;
  /** Mean quiet gap before each fault of one timeline, in ms (exponential). */
  readonly meanGapMs?: number;
  /** Mean duration of each fault, in ms (exponential, at least 1 ms). */
  readonly meanDurationMs: number;
  /** Which faults to draw from, equally likely within each timeline. */
  readonly kinds: readonly NemesisFaultKind[];
  /** How many node timelines run at once (crashes and pauses may overlap). Default 2. */
  readonly nodeProcesses?: number;
}

/** How many timelines a plan runs: the network's, if it has kinds, plus the nodes'. */
export function nemesisProcesses(
  options: Pick<NemesisPlanOptions, "kinds" | "nodeProcesses">,
): number {
  const network = options.kinds.some((kind) => NETWORK_FAULT_KINDS.includes(kind));
  const node = options.kinds.some((kind) => !NETWORK_FAULT_KINDS.includes(kind));
  return (network ? 1 : 0) + (node ? options.nodeProcesses ?? 2 : 0);
}

/**
 * The nemesis' timelines, merged in time order: in each, quiet gap, fault, its end, quiet
 * gap, ..., every fault over by `endMs`. The network timeline draws the link faults of
 * `kinds`, each node timeline the others. Pure data: print it, save it, replay it.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 * import { planNemesis } from "./nemesis.ts";
 *
 * const steps = planNemesis(
 *   { endMs: 3000, faultsPerSecond: 5, meanDurationMs: 100, kinds: ["crash", "isolate"] },
 *   new Random(1).child("nemesis"),
 * );
 * steps.every((step) => step.endMs < 3000); // true
 * ```
 */
export function planNemesis(options: NemesisPlanOptions, random: Random): NemesisStep[] {
  if (options.kinds.length === 0) {
    throw new RangeError("Cannot plan a nemesis: kinds must list at least one kind");
  }
  const unknown = options.kinds.find((kind) => !NEMESIS_FAULT_KINDS.includes(kind));
  if (unknown !== undefined) {
    throw new RangeError(
      `Cannot plan a nemesis: unknown kind ${JSON.stringify(unknown)} ` +
        `(kinds: ${NEMESIS_FAULT_KINDS.join(", ")})`,
    );
  }
  if (!(Number.isFinite(options.endMs) && options.endMs >= 0)) {
    throw new RangeError(
      `Cannot plan a nemesis: endMs must be a finite time, got ${options.endMs}`,
    );
  }
  if (!(options.meanDurationMs > 0)) {
    throw new RangeError(
      `Cannot plan a nemesis: meanDurationMs must be positive, got ${options.meanDurationMs}`,
    );
  }
  const meanGapMs = options.meanGapMs ??
    (options.faultsPerSecond === undefined
      ? Number.NaN
      : nemesisProcesses(options) * 1000 / options.faultsPerSecond);
  if (!(meanGapMs > 0 && Number.isFinite(meanGapMs))) {
    throw new RangeError(
      "Cannot plan a nemesis: give a positive faultsPerSecond or meanGapMs",
    );
  }
  const network = options.kinds.filter((kind) => NETWORK_FAULT_KINDS.includes(kind));
  const node = options.kinds.filter((kind) => !NETWORK_FAULT_KINDS.includes(kind));
  const processes: (readonly NemesisFaultKind[])[] = [network];
  const count = node.length === 0 ? 0 : options.nodeProcesses ?? 2;
  for (let i = 0; i < count; i++) processes.push(node);
  const steps: NemesisStep[] = [];
  processes.forEach((kinds, process) => {
    if (kinds.length === 0) return;
    const stream = random.child(`process:${process}`);
    let time = 0;
    for (;;) {
      const startMs = round(time + stream.exponential(meanGapMs));
      const kind = stream.pick(kinds);
      const endMs = kind === "clock-jump"
        ? startMs
        : round(startMs + Math.max(1, stream.exponential(options.meanDurationMs)));
      if (endMs >= options.endMs) break;
      steps.push({ process, kind, startMs, endMs });
      time = endMs;
    }
  });
  return steps.sort((a, b) => a.startMs - b.startMs || a.process - b.process);
}

/**
 * Chooses the target of a fault as it starts, among `eligible` nodes (never empty), with
 * the nemesis' random stream.
 */
export type NemesisAim = (eligible: readonly NodeId[], random: Random) => NodeId;

/** The default aim: any eligible node, equally likely. */
export const aimAnywhere: NemesisAim = (eligible: readonly NodeId[], random: Random): NodeId =>
  random.pick(eligible);

/**
 * An aim that hits `preferred()` (the current leader, the lock holder, the coordinator)
 * with `probability` when it names an eligible node, and otherwise any eligible node.
 *
 * @example
 * ```ts
 * import { aimAt } from "./nemesis.ts";
 *
 * let leader: string | undefined = "n2";
 * const huntTheLeader = aimAt(() => leader, 0.9);
 * ```
 */
export function aimAt(preferred: () => NodeId | undefined, probability: number): NemesisAim {
  if (!(probability >= 0 && probability <= 1)) {
    throw new RangeError(
      `Cannot aim the nemesis: probability must be between 0 and 1, got ${probability}`,
    );
  }
  return (eligible, random) => {
    const target = preferred();
    return target !== undefined && eligible.includes(target) && random.chance(probability)
      ? target
      : random.pick(eligible);
  };
}

/** Options of {@link applyNemesis}. */
export interface ApplyNemesisOptions {
  /** The nodes faults may hit. */
  readonly nodes: readonly NodeId[];
  /** Chooses each fault's target. Default {@link aimAnywhere}. */
  readonly aim?: NemesisAim;
  /** Largest clock step, either way, in ms. Default 1000. */
  readonly maxClockJumpMs?: number;
}

/**
 * Schedules `steps` on `simulation`. Each fault, when it starts, picks its target with
 * `aim`; a node fault only hits a node that is up (if none is, it is skipped). A
 * partition puts the target in a minority of `⌊(n−1)/2⌋` nodes (at least one); an
 * isolation cuts the target off alone; a one-way cut drops the target's messages out or
 * in. Returns the faults as they are applied (the list fills up during the run), as data
 * for `formatFaults`.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 * import { Simulation } from "../sim/simulation.ts";
 * import { applyNemesis, planNemesis } from "./nemesis.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNodes(["n1", "n2", "n3"], () => ({ onMessage() {} }));
 * const steps = planNemesis(
 *   { endMs: 1000, faultsPerSecond: 10, meanDurationMs: 50, kinds: ["crash", "partition"] },
 *   new Random(1).child("nemesis"),
 * );
 * const faults = applyNemesis(sim, steps, new Random(1).child("nemesis-targets"), {
 *   nodes: ["n1", "n2", "n3"],
 * });
 * sim.runUntil(1000);
 * faults.length > 0; // true
 * ```
 */
export function applyNemesis(
  // deno-lint-ignore no-explicit-any
  simulation: Simulation<any>,
  steps: readonly NemesisStep[],
  random: Random,
  options: ApplyNemesisOptions,
): Fault[] {
  const nodes = [...options.nodes];
  if (nodes.length < 2 && steps.length > 0) {
    throw new RangeError("Cannot apply a nemesis: it needs at least two nodes to hurt");
  }
  const aim = options.aim ?? aimAnywhere;
  const applied: Fault[] = [];
  const maxJumpMs = options.maxClockJumpMs ?? 1000;
  const record = (fault: Fault) => {
    apply(simulation, fault);
    applied.push(fault);
  };
  for (const step of steps) {
    simulation.at(step.startMs, () => {
      const at = step.startMs;
      const network = NETWORK_FAULT_KINDS.includes(step.kind);
      const eligible = network ? nodes : nodes.filter((id) => simulation.status(id) === "up");
      if (eligible.length === 0) return;
      const target = aim(eligible, random);
      const rest = nodes.filter((id) => id !== target);
      let end: Fault | undefined;
      switch (step.kind) {
        case "partition": {
          const size = Math.max(1, Math.floor((nodes.length - 1) / 2));
          const minority = [target, ...random.shuffle(rest).slice(0, size - 1)].sort();
          const majority = nodes.filter((id) => !minority.includes(id));
          record({ atMs: at, kind: "partition", groups: [minority, majority] });
          end = { atMs: step.endMs, kind: "heal" };
          break;
        }
        case "isolate":
          record({ atMs: at, kind: "partition", groups: [[target], rest] });
          end = { atMs: step.endMs, kind: "heal" };
          break;
        case "partition-one-way":
          record(
            random.chance(0.5)
              ? { atMs: at, kind: "partition-one-way", from: [target], to: rest }
              : { atMs: at, kind: "partition-one-way", from: rest, to: [target] },
          );
          end = { atMs: step.endMs, kind: "heal" };
          break;
        case "crash":
          record({ atMs: at, kind: "crash", node: target });
          end = { atMs: step.endMs, kind: "restart", node: target };
          break;
        case "pause":
          record({ atMs: at, kind: "pause", node: target });
          end = { atMs: step.endMs, kind: "resume", node: target };
          break;
        case "clock-jump":
          record({
            atMs: at,
            kind: "clock-jump",
            node: target,
            deltaMs: round(random.uniform(-maxJumpMs, maxJumpMs)),
          });
          break;
      }
      if (end !== undefined) {
        const undo = end;
        simulation.at(undo.atMs, () => record(undo));
      }
    });
  }
  return applied;
}

// deno-lint-ignore no-explicit-any
function apply(simulation: Simulation<any>, fault: Fault): void {
  switch (fault.kind) {
    case "partition":
      return simulation.partition(fault.groups);
    case "partition-one-way":
      return simulation.partitionOneWay(fault.from, fault.to);
    case "heal":
      return simulation.heal();
    case "crash":
      return simulation.crash(fault.node);
    case "restart":
      return simulation.restart(fault.node);
    case "pause":
      return simulation.pause(fault.node);
    case "resume":
      return simulation.resume(fault.node);
    case "clock-jump":
      return simulation.jumpClock(fault.node, fault.deltaMs);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
