/**
 * The fault schedule of the Paxos trials: the timelines of the Raft nemesis
 * (`planRaftNemesis`: a network process and server processes, faults overlapping) with
 * targets chosen when each fault starts, now and then the node a protocol says leads.
 * It works on any simulation, so Multi-Paxos and Raft can face the same plan.
 *
 * @module
 */
import type { Fault } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import type { RaftNemesisStep } from "./raft_nemesis.ts";

/** What the nemesis needs of a simulation (a `Simulation` of any message type has it). */
export interface NemesisHost {
  /** Runs `action` at virtual time `timeMs`. */
  at(timeMs: number, action: () => void): void;
  /** Whether a node is up, crashed or paused. */
  status(id: NodeId): "up" | "crashed" | "paused";
  /** Cuts the network into groups. */
  partition(groups: readonly (readonly NodeId[])[]): void;
  /** Cuts the links from `from` to `to` only. */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[]): void;
  /** Heals every partition. */
  heal(): void;
  /** Crashes a node. */
  crash(id: NodeId): void;
  /** Restarts a crashed node. */
  restart(id: NodeId): void;
  /** Pauses a node. */
  pause(id: NodeId): void;
  /** Resumes a paused node. */
  resume(id: NodeId): void;
  /** Steps a node's clock. */
  jumpClock(id: NodeId, deltaMs: number): void;
}

/** Options of {@link scheduleNemesis}. */
export interface ScheduleNemesisOptions {
  /** The node that leads now, if the protocol has one (a fault may aim at it). */
  readonly leader?: () => NodeId | undefined;
  /** Probability that a fault aims at the leader, when there is one it can hit. Default 0. */
  readonly leaderTargetProbability?: number;
  /** Largest clock step, either way, in ms. Default 1000. */
  readonly maxClockJumpMs?: number;
}

/**
 * Schedules `steps` on `simulation` against `servers`. Each fault picks its target when
 * it starts (the leader with probability `leaderTargetProbability`, else a random
 * server; a server fault only hits a server that is up, and is skipped if none is).
 * Returns the faults as they are applied: the list fills up during the run.
 */
export function scheduleNemesis(
  simulation: NemesisHost,
  servers: readonly NodeId[],
  steps: readonly RaftNemesisStep[],
  random: Random,
  options: ScheduleNemesisOptions = {},
): Fault[] {
  const applied: Fault[] = [];
  const maxJumpMs = options.maxClockJumpMs ?? 1000;
  const record = (fault: Fault) => {
    apply(simulation, fault);
    applied.push(fault);
  };
  for (const step of steps) {
    simulation.at(step.startMs, () => {
      const at = step.startMs;
      const network = step.process === 0;
      const eligible = network ? servers : servers.filter((id) => simulation.status(id) === "up");
      if (eligible.length === 0) return;
      const leader = options.leader?.();
      const target = leader !== undefined && eligible.includes(leader) &&
          random.chance(options.leaderTargetProbability ?? 0)
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
            deltaMs: Math.round(random.uniform(-maxJumpMs, maxJumpMs)),
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

function apply(simulation: NemesisHost, fault: Fault): void {
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
