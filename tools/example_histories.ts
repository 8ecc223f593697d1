/**
 * Writes the example histories in `data/histories/`: runs of the replicated register
 * (lib/history/register_workload.ts) recorded by its clients, one correct and one with
 * stale reads from a lagging backup. `deno task data:histories` rewrites them; a test
 * checks the files are exactly what these runs produce and what the checker says of them.
 *
 * @module
 */
import { historyToJson, runRegisterWorkload } from "../lib/history/mod.ts";
import type { RegisterWorkloadOptionsInput } from "../lib/history/mod.ts";

/** One example history: its file name, the run that records it, and its verdict. */
export interface ExampleHistory {
  /** File name inside `data/histories/`. */
  readonly file: string;
  /** The workload run that records it. */
  readonly run: RegisterWorkloadOptionsInput;
  /** Whether the linearizability checker accepts it. */
  readonly linearizable: boolean;
}

/** The example histories, with the runs that make them. */
export const EXAMPLE_HISTORIES: readonly ExampleHistory[] = [
  {
    file: "register_correct.json",
    run: { seed: 1, clients: 3, operationsPerClient: 10, lossProbability: 0.05 },
    linearizable: true,
  },
  {
    file: "register_stale_reads.json",
    run: {
      seed: 2,
      clients: 3,
      operationsPerClient: 10,
      staleReads: true,
      replicationLatency: { kind: "uniform", minMs: 20, maxMs: 40 },
    },
    linearizable: false,
  },
];

/** The folder the examples live in. */
export const EXAMPLE_HISTORIES_DIR = new URL("../data/histories/", import.meta.url);

/** The JSON text of one example, as the file holds it. */
export function exampleHistoryText(example: ExampleHistory): string {
  return historyToJson(runRegisterWorkload(example.run).history) + "\n";
}

if (import.meta.main) {
  for (const example of EXAMPLE_HISTORIES) {
    const path = new URL(example.file, EXAMPLE_HISTORIES_DIR);
    await Deno.writeTextFile(path, exampleHistoryText(example));
    console.error(`wrote ${path.pathname}`);
  }
}
