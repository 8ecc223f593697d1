/**
 * The linearizability checker on the 102 Jepsen etcd histories of `data/jepsen-etcd`: one
 * iteration checks all of them once, parsing excluded, and `tools/bench.ts` prints the
 * total time. Porcupine (Go) takes about 0.5 s for the same histories on a 2-core machine.
 *
 * @module
 */
import { checkLinearizable } from "../lib/check/mod.ts";
import { type History, historyFromJson, jepsenEtcdDir } from "../lib/history/mod.ts";
import type { BenchReport } from "./report.ts";

const NAME = "linearizability-etcd";

const dir = jepsenEtcdDir();
const verdicts: Record<string, boolean> = JSON.parse(
  Deno.readTextFileSync(`${dir}/verdicts.json`),
);
const names = Object.keys(verdicts).sort();

let loaded: { name: string; history: History }[] | undefined;
function histories(): { name: string; history: History }[] {
  loaded ??= names.map((name) => ({
    name,
    history: historyFromJson(Deno.readTextFileSync(`${dir}/${name}.json`)),
  }));
  return loaded;
}

/** One JSON line: the histories checked and the time to check them all once. */
export const REPORTS: readonly BenchReport[] = [{
  name: NAME,
  line: (meanNs) => ({
    name: NAME,
    histories: names.length,
    total_ms: Math.round(meanNs / 1e5) / 10,
  }),
}];

Deno.bench({
  name: NAME,
  warmup: 5,
  n: 40,
  fn: (b) => {
    const all = histories();
    const valid: (boolean | "unknown")[] = [];
    b.start();
    for (const { history } of all) valid.push(checkLinearizable(history).valid);
    b.end();
    all.forEach(({ name }, i) => {
      if (valid[i] !== verdicts[name]) {
        throw new Error(
          `Cannot trust the benchmark: ${name} checked ${valid[i]}, expected ${verdicts[name]}`,
        );
      }
    });
  },
});
