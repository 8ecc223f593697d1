/**
 * `deno task bench`: runs every `bench/*_bench.ts` with `deno bench --json` and prints one
 * JSON line per reported benchmark on stdout (a human summary goes to stderr). Extra
 * arguments (e.g. `--filter hop`) are passed to `deno bench`.
 *
 * @module
 */
import type { BenchReport } from "../bench/report.ts";

interface BenchResult {
  readonly name: string;
  readonly results: readonly { readonly ok?: { readonly avg: number; readonly n: number } }[];
}

const benchDir = new URL("../bench/", import.meta.url);

async function loadReports(): Promise<Map<string, BenchReport>> {
  const reports = new Map<string, BenchReport>();
  for await (const entry of Deno.readDir(benchDir)) {
    if (!entry.isFile || !entry.name.endsWith("_bench.ts")) continue;
    const module = await import(new URL(entry.name, benchDir).href);
    for (const report of (module.REPORTS ?? []) as BenchReport[]) reports.set(report.name, report);
  }
  return reports;
}

async function runBenchmarks(extraArgs: readonly string[]): Promise<BenchResult[]> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["bench", "-A", "--json", ...extraArgs, benchDir.pathname],
    stdout: "piped",
    stderr: "inherit",
  });
  const output = await command.output();
  if (!output.success) {
    console.error(`Cannot finish the benchmarks: deno bench exited with ${output.code}`);
    Deno.exit(output.code || 1);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)).benches as BenchResult[];
}

const reports = await loadReports();
const benches = await runBenchmarks(Deno.args);
const meanNs = new Map<string, number>();
for (const bench of benches) {
  const ok = bench.results[0]?.ok;
  if (ok !== undefined) meanNs.set(bench.name, ok.avg);
}
for (const bench of benches) {
  const mean = meanNs.get(bench.name);
  if (mean === undefined) {
    console.error(`${bench.name}: failed`);
    continue;
  }
  const report = reports.get(bench.name);
  const baselineNs = report?.baseline === undefined ? undefined : meanNs.get(report.baseline);
  const ratio = baselineNs === undefined ? undefined : Math.round((baselineNs / mean) * 100) / 100;
  const target = report?.targetVsBaseline;
  const versus = ratio === undefined ? "" : `   ${ratio}x the speed of ${report?.baseline}` +
    (target === undefined ? "" : ` (target ${target}x: ${ratio >= target ? "met" : "missed"})`);
  console.error(
    `${bench.name.padEnd(32)} ${(mean / 1e6).toFixed(2).padStart(10)} ms/iter${versus}`,
  );
  if (report === undefined) continue;
  const line = report.line(mean);
  if (ratio !== undefined) {
    line.vs_baseline = ratio;
    if (target !== undefined) {
      line.target_vs_baseline = target;
      line.meets_target = ratio >= target;
    }
  }
  console.log(JSON.stringify(line));
}
