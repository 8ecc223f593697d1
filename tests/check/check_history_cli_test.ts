/** `deno task check-history`, run as a separate process: verdicts, JSON lines, exit codes. */
import assert from "node:assert/strict";
import { historyToJson } from "../../lib/history/mod.ts";
import { parseArgs } from "../../tools/check_history.ts";
import { runTool, type ToolRun } from "../run_tool.ts";
import { etcdDataDir, h } from "./helpers.ts";

function checkHistory(...args: string[]): Promise<ToolRun> {
  return runTool("tools/check_history.ts", args, { permissions: ["--allow-read"] });
}

/** Writes each history to a temporary file; returns the paths and a cleanup. */
async function files(
  ...contents: string[]
): Promise<{ paths: string[]; remove: () => Promise<void> }> {
  const dir = await Deno.makeTempDir();
  const paths = await Promise.all(contents.map(async (text, i) => {
    const path = `${dir}/h${i}.json`;
    await Deno.writeTextFile(path, text);
    return path;
  }));
  return { paths, remove: () => Deno.remove(dir, { recursive: true }) };
}

const valid = historyToJson(h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read 1"));
const stale = historyToJson(
  h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read null"),
);
const concurrent = historyToJson(h(
  "0 invoke write 1",
  "1 invoke write 2",
  "0 ok write 1",
  "1 ok write 2",
  "2 invoke read",
  "2 ok read 1",
));
const malformed = JSON.stringify([{ process: 0, type: "invoke", f: "read", value: null }, {
  process: 0,
  type: "invoke",
  f: "read",
  value: null,
}]);

Deno.test("check-history exits 0 when every history is linearizable", async () => {
  const { paths, remove } = await files(valid, concurrent);
  try {
    const { code, stdout } = await checkHistory(...paths);
    assert.equal(code, 0);
    assert.match(stdout, /h0\.json: linearizable \(\d+\.\d ms, \d+ steps\)\n/);
    assert.match(stdout, /h1\.json: linearizable/);
  } finally {
    await remove();
  }
});

Deno.test("check-history exits 1 and prints the evidence when a history is not linearizable", async () => {
  const { paths, remove } = await files(valid, stale);
  try {
    const { code, stdout } = await checkHistory(...paths);
    assert.equal(code, 1);
    assert.match(stdout, /h1\.json: NOT linearizable/);
    assert.match(stdout, /p1 read → null \(events 2 to 3 of the history\) cannot be linearized/);
    assert.match(stdout, /The register then holds 1\./);
  } finally {
    await remove();
  }
});

Deno.test("check-history --json prints one object per file with file, valid and ms", async () => {
  const { paths, remove } = await files(valid, stale);
  try {
    const { code, stdout } = await checkHistory("--json", ...paths);
    assert.equal(code, 1);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((line) => [line.file, line.valid]), [[paths[0], true], [
      paths[1],
      false,
    ]]);
    for (const line of lines) assert.ok(typeof line.ms === "number" && line.ms >= 0);
    assert.equal(lines[1].failedAt, 3);
    assert.match(lines[1].evidence, /cannot be linearized/);
  } finally {
    await remove();
  }
});

Deno.test("check-history exits 2 on malformed input, naming the record, and checks the rest", async () => {
  const { paths, remove } = await files(malformed, stale, "not json");
  try {
    const { code, stdout } = await checkHistory("--json", ...paths);
    assert.equal(code, 2, "malformed input wins over a non-linearizable history");
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines[0].index, 1);
    assert.match(
      lines[0].error,
      /operation 1: invoke on process 0 while its invoke at 0 is still open/,
    );
    assert.equal(lines[1].valid, false);
    assert.match(lines[2].error, /not valid JSON/);
    const text = await checkHistory(paths[0]!);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /Cannot read history .*h0\.json: operation 1: /);
  } finally {
    await remove();
  }
});

Deno.test("check-history exits 2 with an unknown verdict when the step budget runs out", async () => {
  const { paths, remove } = await files(concurrent);
  try {
    const { code, stdout } = await checkHistory("--json", "--max-steps", "1", ...paths);
    assert.equal(code, 2);
    const line = JSON.parse(stdout);
    assert.equal(line.valid, "unknown");
    assert.match(line.reason, /budget of 1 steps ran out/);
  } finally {
    await remove();
  }
});

Deno.test("check-history --model register refuses keyed records; exit 2", async () => {
  const keyed = historyToJson(h("0 invoke write 1 key=x", "0 ok write 1 key=x"));
  const { paths, remove } = await files(keyed);
  try {
    assert.equal((await checkHistory(...paths)).code, 0, "kv by default");
    const { code, stderr } = await checkHistory("--model", "register", ...paths);
    assert.equal(code, 2);
    assert.match(stderr, /use the kv model/);
  } finally {
    await remove();
  }
});

Deno.test("check-history exits 2 on a bad command line", async () => {
  const none = await checkHistory();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no history file given/);
  assert.match(none.stderr, /Usage: deno task check-history/);
  assert.equal((await checkHistory("--model", "queue", "x.json")).code, 2);
  const help = await checkHistory("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage/);
});

Deno.test("parseArgs reads flags in both spellings", () => {
  const args = parseArgs(["--model=kv", "--json", "--max-steps", "10", "--timeout-ms=5", "a.json"]);
  assert.deepEqual(args, {
    files: ["a.json"],
    model: "kv",
    consistency: "linearizable",
    json: true,
    maxSteps: 10,
    timeoutMs: 5,
    help: false,
  });
  assert.throws(() => parseArgs(["--max-steps", "-3", "a.json"]), /expected a whole number/);
  assert.throws(() => parseArgs(["--max-steps"]), /needs a value/);
});

const dir = etcdDataDir();

Deno.test({
  name: "check-history --json checks Jepsen etcd files",
  fn: async () => {
    const { code, stdout } = await checkHistory(
      "--json",
      `${dir}/etcd_000.json`,
      `${dir}/etcd_002.json`,
    );
    assert.equal(code, 1);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.valid), [false, true]);
  },
});

const monotonicBroken = historyToJson(h(
  "0 invoke write 1",
  "0 ok write 1",
  "1 invoke read",
  "1 ok read 1",
  "1 invoke read",
  "1 ok read null",
));

Deno.test("check-history --consistency checks a weaker model with the same exit codes", async () => {
  const { paths, remove } = await files(stale, monotonicBroken, concurrent);
  try {
    const sequential = await checkHistory("--consistency", "sequential", paths[0]!);
    assert.equal(sequential.code, 0, sequential.stdout);
    assert.match(sequential.stdout, /h0\.json: sequential \(/);
    const broken = await checkHistory("--consistency=monotonic-reads", paths[1]!);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /NOT monotonic-reads/);
    assert.match(broken.stdout, /The smallest set of operations that shows it:\n {6}0: p0 write 1/);
    const json = await checkHistory("--json", "--consistency", "causal", ...paths);
    assert.equal(json.code, 1);
    const lines = json.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.valid), [true, false, true]);
    assert.deepEqual(lines[1].operations.map((op: { index: number }) => op.index), [0, 2, 4]);
    for (const line of lines) assert.equal(typeof line.ms, "number");
  } finally {
    await remove();
  }
});

Deno.test("check-history --consistency says unknown (exit 2) when values repeat", async () => {
  const repeated = historyToJson(h(
    "0 invoke write 1",
    "0 ok write 1",
    "1 invoke write 1",
    "1 ok write 1",
  ));
  const { paths, remove } = await files(repeated);
  try {
    const run = await checkHistory("--json", "--consistency", "causal", ...paths);
    assert.equal(run.code, 2);
    assert.equal(JSON.parse(run.stdout).valid, "unknown");
    assert.match(JSON.parse(run.stdout).reason, /written once/);
  } finally {
    await remove();
  }
});

Deno.test("check-history refuses an unknown consistency model", () => {
  assert.throws(
    () => parseArgs(["--consistency", "eventual", "h.json"]),
    /Cannot parse --consistency: expected one of linearizable, sequential, causal/,
  );
  assert.equal(parseArgs(["h.json"]).consistency, "linearizable");
});
