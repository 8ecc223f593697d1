import { overload, dependencyFailure, simulateDependencyFailure } from "./lib/resilience/mod.ts";
const ratio = (rows: any[], from: number, to: number) => { const r = rows.filter(r => r.tMs >= from && r.tMs < to); return (r.reduce((s, x) => s + x.goodputPerS, 0) / r.reduce((s, x) => s + x.offeredPerS, 0)).toFixed(3); };
for (const [name, v] of Object.entries({budget10: {retryBudgetRatio: 0.1}, budget05: {retryBudgetRatio: 0.05}, noRetry: {maxRetries: 0}, growthShed: {maxRetries: 0, workGrowth: 0.002, maxQueue: 50}})) {
  for (const seed of [1,2,3,4,5]) { const rows = overload.run({ spikeDurationMs: 1000, ...v }, seed); console.log(name, seed, ratio(rows, 7000, 10000), ratio(rows, 9000, 10000), rows.at(-1)!.queueLength); }
}
for (const rate of [500, 900, 1100, 1500, 2000]) for (const mq of [undefined, 50]) {
  const rows = overload.run({ ratePerS: rate, ...(mq ? {maxQueue: mq} : {}) }, 1);
  const good = rows.filter(r => r.tMs >= 2000).reduce((s, r) => s + r.goodputPerS, 0) / rows.filter(r => r.tMs >= 2000).length;
  console.log("rate", rate, mq, good.toFixed(0));
}
for (const v of [{}, {bulkheads: true}, {breaker: true}]) for (const seed of [1,2,3]) {
  const run = simulateDependencyFailure(dependencyFailure.parseParams(v), seed);
  const a = run.records.filter(r => r.dependency === "a" && r.startMs >= 3000 && r.startMs < 6000);
  const b = run.records.filter(r => r.dependency === "b" && r.startMs >= 8000);
  console.log(JSON.stringify(v), seed, (a.filter(r => r.ok).length / a.length).toFixed(3), (b.filter(r => r.ok).length / b.length).toFixed(3), run.breakerTransitions.map(t => t.to[0]).join(""));
}
