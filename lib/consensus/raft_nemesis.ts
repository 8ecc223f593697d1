/**
 * Raft's plug-in for the harness's nemesis: aim at the leader, as Jepsen's nemeses do.
 * Raft's hard bugs hide in what happens when a leader is lost right after it did
 * something, which faults on random servers rarely hit. The timelines themselves (when
 * faults start and end, their kinds, how many overlap) are the harness's `planNemesis`.
 *
 * @module
 */
import { aimAt, type NemesisAim } from "../testing/nemesis.ts";
import type { RaftCluster } from "./raft_cluster.ts";

/**
 * An aim that hits the server leading at the moment a fault starts with `probability`
 * (when it is eligible), and otherwise a random eligible server.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 * import { applyNemesis, planNemesis } from "../testing/nemesis.ts";
 * import { RaftCluster } from "./raft_cluster.ts";
 * import { huntTheLeader } from "./raft_nemesis.ts";
 *
 * const cluster = new RaftCluster({ seed: 1, servers: 5 });
 * const steps = planNemesis(
 *   { endMs: 2000, faultsPerSecond: 10, meanDurationMs: 100, kinds: ["crash", "isolate"] },
 *   new Random(1).child("nemesis"),
 * );
 * applyNemesis(cluster.simulation, steps, new Random(1).child("nemesis-targets"), {
 *   nodes: cluster.servers,
 *   aim: huntTheLeader(cluster, 0.9),
 * });
 * cluster.simulation.runUntil(2000);
 * ```
 */
export function huntTheLeader(cluster: RaftCluster, probability: number): NemesisAim {
  return aimAt(() => cluster.leader()?.id, probability);
}
