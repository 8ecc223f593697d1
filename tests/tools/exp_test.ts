import assert from "node:assert/strict";
import { z } from "zod";
import { defineExperiment, experiments, pingRtt, sweep } from "../../lib/experiments/mod.ts";
import { formatJson } from "../../lib/experiments/format.ts";
import { replayCommand } from "../../lib/testing/mod.ts";
import { type Message, Simulation } from "../../lib/sim/mod.ts";
import { type CliIo, runCli } from "../../tools/exp.ts";
import { runTool, type ToolRun } from "../run_tool.ts";

/** Runs `deno run -A tools/exp.ts ...args` as a separate process. */
function exp(...args: string[]): Promise<ToolRun> {
  return runTool("tools/exp.ts", args);
}

Deno.test("exp list prints one experiment per line: name, a tab, title", async () => {
  const { code, stdout, stderr } = await exp("list");
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.ok(lines.includes("ping-rtt\tRound-trip times of pings between a few nodes"));
  for (const line of lines) assert.match(line, /^[a-z][a-z0-9-]*\t\S.*$/);
  assert.equal(stderr, "");
});

Deno.test("exp run --json prints exactly the library's rows as one JSON array", async () => {
  const { code, stdout, stderr } = await exp(
    "run",
    "ping-rtt",
    "--seed",
    "7",
    "--param",
    "nodes=4",
    '--param=latency={"kind":"uniform","minMs":2,"maxMs":9}',
    "--json",
  );
  assert.equal(code, 0, stderr);
  const expected = sweep(pingRtt, {
    seed: 7,
    params: { nodes: 4, latency: { kind: "uniform", minMs: 2, maxMs: 9 } },
    progress: false,
  });
  assert.deepEqual(JSON.parse(stdout), expected);
  assert.equal(expected.length, 4 * 20);
});

Deno.test("exp run gives the same bytes for the same seed and parameters", async () => {
  const args = ["run", "ping-rtt", "--seeds", "3", "--param", "lossProbability=0.2", "--csv"];
  const [first, second] = await Promise.all([exp(...args), exp(...args)]);
  assert.equal(first?.code, 0, first?.stderr);
  assert.deepEqual(first?.bytes, second?.bytes);
  const other = await exp(...args, "--seed", "2");
  assert.notDeepEqual(other.bytes, first?.bytes);
});

Deno.test("exp run --csv prints a header and one line per row", async () => {
  const { code, stdout } = await exp("run", "ping-rtt", "--param", "pings=4", "--csv");
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines[0], "seed,from,to,sentAtMs,rttMs,timedOut");
  assert.equal(lines.length, 1 + 3 * 4);
  assert.match(lines[1] ?? "", /^1,n\d,n\d,[\d.]+,[\d.]+,false$/);
});

Deno.test("exp run sweeps a parameter given more than once", async () => {
  const { code, stdout } = await exp(
    "run",
    "ping-rtt",
    "--param",
    "nodes=2",
    "--param",
    "nodes=3",
    "--param",
    "pings=1",
    "--json",
  );
  assert.equal(code, 0);
  const rows = JSON.parse(stdout) as { nodes: number }[];
  assert.deepEqual(rows.map((row) => row.nodes), [2, 2, 3, 3, 3]);
});

Deno.test("exp run prints an aligned table by default", async () => {
  const { code, stdout } = await exp("run", "ping-rtt", "--param", "pings=2");
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^seed {2}from {2}to {2}sentAtMs {3}rttMs {2}timedOut$/);
  assert.match(lines[1] ?? "", /^-+( {2}-+)+$/);
  assert.equal(lines.length, 2 + 3 * 2);
});

Deno.test("exp run --progress writes progress to stderr and leaves stdout to the data", async () => {
  const { code, stdout, stderr } = await exp(
    "run",
    "ping-rtt",
    "--seeds",
    "5",
    "--json",
    "--progress",
  );
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).length, 5 * 3 * 20);
  assert.match(stderr, /^done: 5 trials in [\d.]+ m?s \(ping-rtt, 5 seeds → 300 rows\)$/m);
});

Deno.test("exp exits with 2 and one line on stderr for bad input, printing nothing on stdout", async () => {
  const known = `known experiments are ${
    experiments.map((experiment) => experiment.name).join(", ")
  }`;
  const cases: [string[], string][] = [
    [
      ["run", "ping-rt"],
      `Cannot find experiment "ping-rt": ${known}; did you mean "ping-rtt"?`,
    ],
    [
      ["run", "ping-rtt", "--param", "timeout=5"],
      'params.timeout: is not a known field; did you mean "timeoutMs"?',
    ],
    [["run", "ping-rtt", "--param", "nodes=0"], "params.nodes: must be at least 2, got 0"],
    [
      ["run", "ping-rtt", "--param=lossProbability=1.5"],
      "params.lossProbability: must be between 0 and 1, got 1.5",
    ],
    [
      ["run", "ping-rtt", "--param", "nodes=3", "--param", "nodes=1"],
      "grid.nodes[1]: must be at least 2, got 1",
    ],
    [["run", "ping-rtt", "--fast"], "Cannot parse arguments: unknown flag --fast; see --help"],
    [
      ["run", "ping-rtt", "--seed", "x"],
      'Cannot parse arguments: --seed must be a whole number from 0 to 4294967295, got "x"',
    ],
    [["describe", "nope"], `Cannot find experiment "nope": ${known}`],
  ];
  const results = await Promise.all(cases.map(([args]) => exp(...args)));
  results.forEach((result, index) => {
    const [args, message] = cases[index] as [string[], string];
    const where = args.join(" ");
    assert.equal(result.code, 2, where);
    assert.equal(result.stdout, "", where);
    assert.equal(result.stderr, `${message}\n`, where);
  });
});

Deno.test("exp --help prints the usage and exits with 0", async () => {
  const { code, stdout } = await exp("--help");
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno task exp <command>/);
  assert.match(stdout, /--param key=value/);
});

Deno.test("exp describe prints the parameters with their defaults", async () => {
  const { code, stdout } = await exp("describe", "ping-rtt");
  assert.equal(code, 0);
  assert.match(stdout, /^ {2}nodes \(number\) = 3$/m);
});

// ---- in process: a catalog with a failing experiment ------------------------------------

type Boom = Message & { readonly type: "boom" };

/** Its only node throws on the first message when `explode` is set. */
const boom = defineExperiment({
  name: "boom",
  title: "A node that throws",
  params: z.strictObject({ explode: z.boolean().default(true) }),
  trial: (params, seed) => {
    const sim = new Simulation<Boom>({
      seed,
      replay: replayCommand("boom", seed, { params, defaults: { explode: true } }),
    });
    sim.addNodes(["a", "b"], (ctx) => ({
      start: () => ctx.send(ctx.peers[0] as string, { type: "boom" }),
      onMessage: () => {
        if (params.explode) throw new Error("kaboom");
      },
    }));
    sim.runUntilQuiet();
    return [{ ok: true }];
  },
});

function memoryIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stderrIsTerminal: false,
  };
}

Deno.test("runCli exits with 1 when a trial throws, printing the replay line", () => {
  const io = memoryIo();
  const code = runCli(["run", "boom", "--seed", "3", "--json"], { experiments: [boom], io });
  assert.equal(code, 1);
  assert.deepEqual(io.out, []);
  const message = io.err.join("");
  assert.match(message, /^Cannot run a trial of boom \(seed 3\): Cannot deliver boom a → b/);
  assert.match(message, /replay: deno task exp run boom --seed 3\n$/);
});

Deno.test("runCli exits with 0 when the trials pass", () => {
  const io = memoryIo();
  const code = runCli(["run", "boom", "--param", "explode=false", "--json"], {
    experiments: [boom],
    io,
  });
  assert.equal(code, 0, io.err.join(""));
  assert.deepEqual(JSON.parse(io.out.join("")), [{ seed: 1, ok: true }]);
});

/** A trial whose node sets a timer forever, under a small event budget. */
const endless = defineExperiment({
  name: "endless",
  title: "A run longer than its event budget",
  params: z.strictObject({ rows: z.number().default(2) }),
  trial: (params, seed) => {
    const sim = new Simulation({ seed, maxEvents: 50 });
    sim.addNode("a", (ctx) => ({
      start: () => ctx.setTimer(1, "t"),
      onTimer: () => ctx.setTimer(1, "t"),
      onMessage: () => {},
    }));
    if (seed === 3) sim.runUntilQuiet({ untilMs: 1_000 });
    return Array.from({ length: params.rows }, (_, index) => ({ index }));
  },
});

Deno.test("runCli refuses parameters too large to run with exit 2 and a line saying why", () => {
  const cases: [string[], RegExp][] = [
    [["run", "ping-rtt", "--seeds", "100000000"], /^seeds: must be at most 1000000 in one sweep/],
    [["run", "ping-rtt", "--seeds", "4290000000"], /^seeds: must be at most 1000000/],
    [
      ["run", "false-suspicion", "--param", "intervalMs=0.000001"],
      /^params\.intervalMs: gives crashAtMs \/ intervalMs = 1\.00e\+10 heartbeats/,
    ],
    [["run", "ping-rtt", "--param", "nodes=1000", "--param", "pings=100000"], /^params\.pings: /],
    [
      ["run", "latency-shapes", "--param", "distributions=[]"],
      /^params\.distributions: must name at least one distribution/,
    ],
  ];
  for (const [args, reason] of cases) {
    const io = memoryIo();
    assert.equal(runCli(args, { io }), 2, `${args.join(" ")}: ${io.err.join("")}`);
    assert.match(io.err.join(""), reason);
    assert.deepEqual(io.out, []);
  }
  const io = memoryIo();
  const code = runCli(["run", "endless", "--seeds", "5"], { experiments: [endless], io });
  assert.equal(code, 2);
  assert.match(io.err.join(""), /^Cannot run endless with these parameters: they ask for more/);
  assert.match(io.err.join(""), /seed 3/);
});

Deno.test("runCli --json streams rows as trials end, with exactly formatJson's text", () => {
  const io = memoryIo();
  assert.equal(
    runCli(["run", "endless", "--seeds", "2", "--json"], { experiments: [endless], io }),
    0,
  );
  assert.ok(io.out.length >= 3, "one write per trial plus the closing bracket");
  assert.equal(
    io.out.join(""),
    formatJson(sweep(endless, { seeds: 2, progress: false })),
  );
  const none = memoryIo();
  runCli(["run", "endless", "--param", "rows=0", "--json"], { experiments: [endless], io: none });
  assert.equal(none.out.join(""), "[]\n");
});
