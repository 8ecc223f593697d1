/**
 * A nemesis that aims at the leader, as Jepsen's do. It runs several fault processes at
 * once: one for the network (partitions, isolation, one-way cuts) and one or more for
 * the servers (crashes, pauses, clock jumps), so faults overlap: a leader may crash
 * while another server is still down, as in the paper's Figure 8. Each process's
 * timeline (when its faults start and end, and their kinds) is drawn from a seed before
 * the run; the targets are chosen when each fault starts, and with some probability the
 * target is the server leading at that moment. Raft's hard bugs hide in what happens
 * when a leader is lost right after it did something, which faults on random servers
 * rarely hit.
 *
 * @module
 */
import type { Fault, NemesisFaultKind } from "../sim/faults.ts";
import type { Random } from "../sim/random.ts";
import type { RaftCluster } from "./raft_cluster.ts";

/** The fault kinds that cut links (the network process draws them). */
const NETWORK_KINDS: readonly NemesisFaultKind[] = ["partition", "isolate", "partition-one-way"];

/** One planned fault: which process runs it, its kind, and when it starts and ends. */
export interface RaftNemesisStep {
  /** 0 for the network process, 1, 2, ... for the server processes. */
  readonly process: number;
  /** The kind of fault. */
  readonly kind: NemesisFaultKind;
  /** When it starts, in ms. */
  readonly startMs: number;
  /** When it ends (heal, restart, resume), in ms; equal to `startMs` for a clock jump. */
  readonly endMs: number;
}

/** Options of {@link planRaftNemesis}. */
export interface RaftNemesisOptions {
  /** Every fault has ended by this time, in ms. */
  readonly endMs: number;
  /** Mean quiet gap before each fault of a process, in ms (exponential). */
  readonly meanGapMs: number;
  /** Mean duration of each fault, in ms (exponential). */
  readonly meanDurationMs: number;
  /** Which faults to draw from, equally likely within each process. */
  readonly kinds: readonly NemesisFaultKind[];
  /** How many server processes run at once (crashes and pauses may overlap). Default 2. */
  readonly serverProcesses?: number;
}

/**
 * The nemesis' timelines, one per process, merged in time order: in each process quiet
 * gap, fault, its end, quiet gap, ..., every fault over by `endMs`. The network process
 * draws the link faults of `kinds`, each server process the others.
 *
 * @example
 * ```ts
 * planRaftNemesis({ endMs: 3000, meanGapMs: 200, meanDurationMs: 100, kinds: ["crash", "isolate"] },
 *   new Random(1).child("nemesis"));
 * ```
 */
export function planRaftNemesis(options: RaftNemesisOptions, random: Random): RaftNemesisStep[] {
  if (options.kinds.length === 0) {
    throw new RangeError("Cannot plan a nemesis: kinds must list at least one kind");
  }
  const network = options.kinds.filter((kind) => NETWORK_KINDS.includes(kind));
  const server = options.kinds.filter((kind) => !NETWORK_KINDS.includes(kind));
  const processes: (readonly NemesisFaultKind[])[] = [network];
  const count = server.length === 0 ? 0 : options.serverProcesses ?? 2;
  for (let i = 0; i < count; i++) processes.push(server);
  const steps: RaftNemesisStep[] = [];
  processes.forEach((kinds, process) => {
    if (kinds.length === 0) return;
    const stream = random.child(`process:${process}`);
    let time = 0;
    for (;;) {
      const startMs = round(time + stream.exponential(options.meanGapMs));
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

/** Options of {@link scheduleRaftNemesis}. */
export interface ScheduleRaftNemesisOptions {
  /** Probability that a fault aims at the current leader (when there is one it can hit). */
  readonly leaderTargetProbability: number;
  /** Largest clock step, either way, in ms. Default 1000. */
  readonly maxClockJumpMs?: number;
}

/**
 * Schedules `steps` on `cluster`'s simulation. Each fault, when it starts, picks its
 * target: the current leader with probability `leaderTargetProbability`, else a random
 * server; a server fault only hits a server that is up (if none is, it is skipped).
 * Returns the faults as they are applied (the list fills up during the run), as data for
 * `formatFaults`.
 */
export function scheduleRaftNemesis(
  cluster: RaftCluster,
  steps: readonly RaftNemesisStep[],
  random: Random,
  options: ScheduleRaftNemesisOptions,
): Fault[] {
  const simulation = cluster.simulation;
  const servers = cluster.servers;
  const applied: Fault[] = [];
  const maxJumpMs = options.maxClockJumpMs ?? 1000;
  const record = (fault: Fault) => {
    apply(cluster, fault);
    applied.push(fault);
  };
  for (const step of steps) {
    simulation.at(step.startMs, () => {
      const at = step.startMs;
      const network = step.process === 0;
      const eligible = network ? servers : servers.filter((id) => simulation.status(id) === "up");
      if (eligible.length === 0) return;
      const leader = cluster.leader()?.id;
      const target = leader !== undefined && eligible.includes(leader) &&
          random.chance(options.leaderTargetProbability)
        ? leader
        : random.pick(eligible);
      const rest = servers.filter((id) => id !== target);
      let end: Fault | undefined;
      switch (step.kind) {
        case "partition": {
          const size = Math.max(1, Math.floor((servers.length - 1) / 2));
          const minority = [target, ...random.shuffle(rest).slice(0, size - 1)].sort();
          const majority = servers.filter((id) => !minority.includes(id));
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

function apply(cluster: RaftCluster, fault: Fault): void {
  const simulation = cluster.simulation;
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
