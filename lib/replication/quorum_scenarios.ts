/**
 * Scripted runs of the quorum store that show one idea each, with the timing fixed by
 * per-link delays so the story happens the same way every time.
 *
 * @module
 */
import { checkLinearizable, type LinearizabilityResult } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  QuorumClient,
  type QuorumClientOptions,
  type QuorumCompletion,
  type QuorumMessage,
  QuorumReplica,
} from "./quorum.ts";

/** Options of {@link overlappingReadScenario}. */
export interface OverlappingReadOptions {
  /** Whether reads write back what they return before returning (ABD). */
  readonly writeBack: boolean;
  /** Delay of the write to the two slow replicas, in ms. Default 40. */
  readonly slowWriteMs?: number;
}

/** What {@link overlappingReadScenario} recorded. */
export interface OverlappingReadRun {
  /** The simulation, with its trace. */
  readonly simulation: Simulation<QuorumMessage>;
  /** The clients' history (w writes, a then b read). */
  readonly history: History;
  /** The checker's verdict on it. */
  readonly linearizability: LinearizabilityResult;
  /** How each operation ended, by client. */
  readonly completions: Readonly<Record<"w" | "a" | "b", QuorumCompletion>>;
  /** The replicas. */
  readonly replicas: readonly NodeId[];
}

/**
 * N = 3, W = 2, R = 2: quorums intersect. Client w writes x = 1; the write reaches s1 at
 * once and s2, s3 only after `slowWriteMs`. Meanwhile client a reads and hears from s1
 * and s2 first: it returns 1. Then client b, whose link to s1 is slow, reads and hears
 * from s2 and s3, which do not have the write yet: it returns null, after a read that
 * returned 1 had completed. Not linearizable, although R + W > N. With write-back, a
 * stores 1 on a write quorum before returning, so b's read quorum meets it.
 *
 * @example
 * ```ts
 * overlappingReadScenario({ writeBack: false }).linearizability.valid; // false
 * overlappingReadScenario({ writeBack: true }).linearizability.valid;  // true
 * ```
 */
export function overlappingReadScenario(options: OverlappingReadOptions): OverlappingReadRun {
  const slow = options.slowWriteMs ?? 40;
  const replicas = ["s1", "s2", "s3"];
  const simulation = new Simulation<QuorumMessage>({
    seed: 1,
    network: {
      latency: { kind: "constant", ms: 1 },
      links: [
        { from: "w", to: ["s2", "s3"], latency: { kind: "constant", ms: slow } },
        { from: "b", to: "s1", latency: { kind: "constant", ms: slow } },
      ],
    },
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  const client: Omit<QuorumClientOptions, "recorder"> = {
    ring: replicas,
    n: 3,
    w: 2,
    r: 2,
    versioning: "timestamp",
    writes: "clock",
    writeBack: options.writeBack,
    readRepair: false,
    sloppy: false,
  };
  simulation.addNodes(
    replicas,
    (ctx) => new QuorumReplica(ctx, { ring: replicas, n: 3, versioning: "timestamp" }),
  );
  for (const id of ["w", "a", "b"]) {
    simulation.addNode(id, (ctx) => new QuorumClient(ctx, { ...client, recorder }));
  }
  const node = (id: string) => simulation.node<QuorumClient>(id)!;
  simulation.at(0, () => node("w").write("x", 1));
  simulation.at(4, () => node("a").read("x"));
  simulation.at(12, () => node("b").read("x"));
  simulation.runUntil(3 * slow);
  const history = recorder.history;
  const completions = {
    w: node("w").completions[0]!,
    a: node("a").completions[0]!,
    b: node("b").completions[0]!,
  };
  return {
    simulation,
    history,
    linearizability: checkLinearizable(history, { model: "kv" }),
    completions,
    replicas,
  };
}
