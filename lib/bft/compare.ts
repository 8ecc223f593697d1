/**
 * PBFT against Raft, fault-free, side by side: for each f, PBFT on 3f + 1 replicas and
 * Raft on 2f + 1 servers (each the smallest cluster that tolerates f faults of its
 * kind: Byzantine for PBFT, crashes for Raft), the same number of clients sending the
 * same number of requests over the same network. Messages per request count every
 * message sent, Raft's heartbeats included; latency is from a client's send to the
 * result it accepts.
 *
 * @module
 */
import { raftKvTrial } from "../consensus/raft_trial.ts";
import { runTrial } from "../testing/mod.ts";
import { quantile } from "../viz/stats.ts";
import type { PbftClient } from "./client.ts";
import { pbftTrial } from "./trial.ts";

/** One protocol at one f and seed. */
export interface CostRow {
  /** "PBFT" or "Raft". */
  readonly protocol: "PBFT" | "Raft";
  /** Faults tolerated. */
  readonly f: number;
  /** Cluster size: 3f + 1 for PBFT, 2f + 1 for Raft. */
  readonly n: number;
  /** The seed. */
  readonly seed: number;
  /** Messages sent per completed request. */
  readonly messagesPerRequest: number;
  /** Median latency of a request, in ms. */
  readonly latencyP50Ms: number;
}

/** Options of {@link costAgainstRaft}. */
export interface CostOptions {
  /** Values of f to run. Default [1, 2, 3]. */
  readonly faults?: readonly number[];
  /** Seeds per point. Default 3. */
  readonly seeds?: number;
  /** Clients. Default 2. */
  readonly clients?: number;
  /** Requests per client. Default 15. */
  readonly requestsPerClient?: number;
  /** Longest pause between a client's requests, in ms. Default 20. */
  readonly thinkMs?: number;
}

/**
 * Rows of PBFT and Raft, fault-free, at each f; see the module doc.
 *
 * @example
 * ```ts
 * import { costAgainstRaft } from "./compare.ts";
 *
 * const rows = costAgainstRaft({ faults: [1], seeds: 1 });
 * rows.map((r) => [r.protocol, r.n]); // [["PBFT", 4], ["Raft", 3]]
 * ```
 */
export function costAgainstRaft(options: CostOptions = {}): CostRow[] {
  const rows: CostRow[] = [];
  const clients = options.clients ?? 2;
  const requests = options.requestsPerClient ?? 15;
  const thinkMs = options.thinkMs ?? 20;
  const raft = raftKvTrial();
  for (const f of options.faults ?? [1, 2, 3]) {
    for (let seed = 1; seed <= (options.seeds ?? 3); seed++) {
      const p = runTrial(pbftTrial, {
        n: 3 * f + 1,
        byzantine: 0,
        clients,
        requestsPerClient: requests,
        thinkMs,
        faultsPerSecond: 0,
        lossProbability: 0,
      }, seed);
      const accepted = p.system.clients.flatMap((id) =>
        p.system.simulation.node<PbftClient>(id)!.accepted
      );
      rows.push({
        protocol: "PBFT",
        f,
        n: 3 * f + 1,
        seed,
        messagesPerRequest: p.system.simulation.stats.sends / accepted.length,
        latencyP50Ms: quantile(accepted.map((a) => a.acceptedMs - a.sentMs), 0.5),
      });
      const r = runTrial(raft, {
        servers: 2 * f + 1,
        clients,
        operationsPerClient: requests,
        thinkMs,
        faultsPerSecond: 0,
        lossProbability: 0,
        duplicateProbability: 0,
      }, seed);
      const done = r.row.okOps + r.row.failOps;
      rows.push({
        protocol: "Raft",
        f,
        n: 2 * f + 1,
        seed,
        messagesPerRequest: r.system.simulation.stats.sends / done,
        latencyP50Ms: r.row.latencyP50Ms ?? NaN,
      });
    }
  }
  return rows;
}
