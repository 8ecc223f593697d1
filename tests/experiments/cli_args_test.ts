import assert from "node:assert/strict";
import fc from "fast-check";
import { parseCliArgs, UsageError } from "../../lib/experiments/cli_args.ts";
import { replayCommand } from "../../lib/testing/mod.ts";

function usageError(args: string[]): string {
  try {
    parseCliArgs(args);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected ${args.join(" ")} to be refused`);
}

Deno.test("parseCliArgs reads list, describe and help", () => {
  assert.deepEqual(parseCliArgs(["list"]), { command: "list" });
  assert.deepEqual(parseCliArgs(["describe", "ping-rtt"]), {
    command: "describe",
    name: "ping-rtt",
  });
  assert.deepEqual(parseCliArgs([]), { command: "help" });
  assert.deepEqual(parseCliArgs(["run", "ping-rtt", "--help"]), { command: "help" });
  assert.deepEqual(parseCliArgs(["-h"]), { command: "help" });
});

Deno.test("parseCliArgs reads run with its defaults", () => {
  assert.deepEqual(parseCliArgs(["run", "ping-rtt"]), {
    command: "run",
    name: "ping-rtt",
    seed: 1,
    seeds: 1,
    params: {},
    grid: {},
    format: "table",
  });
});

Deno.test("parseCliArgs takes flags with a space or an equals sign, values as JSON or text", () => {
  const command = parseCliArgs([
    "run",
    "--seed=7",
    "ping-rtt",
    "--seeds",
    "3",
    "--param",
    "nodes=5",
    '--param=latency={"kind":"constant","ms":2}',
    "--param",
    "label=fast link",
    "--param=fifo=true",
    "--param",
    "note=a=b",
    "--csv",
    "--no-progress",
  ]);
  assert.deepEqual(command, {
    command: "run",
    name: "ping-rtt",
    seed: 7,
    seeds: 3,
    params: {
      nodes: 5,
      latency: { kind: "constant", ms: 2 },
      label: "fast link",
      fifo: true,
      note: "a=b",
    },
    grid: {},
    format: "csv",
    progress: false,
  });
});

Deno.test("parseCliArgs turns a repeated --param into a grid, in the order given", () => {
  const command = parseCliArgs([
    "run",
    "x",
    "--param",
    "n=5",
    "--param",
    "n=3",
    "--param=k=1",
    "--json",
  ]);
  assert.ok(command.command === "run");
  assert.deepEqual(command.grid, { n: [5, 3] });
  assert.deepEqual(command.params, { k: 1 });
  assert.equal(command.format, "json");
});

Deno.test("parseCliArgs refuses bad flags and values with a one-line reason", () => {
  assert.equal(
    usageError(["run", "x", "--bogus"]),
    "Cannot parse arguments: unknown flag --bogus; see --help",
  );
  assert.equal(usageError(["run", "x", "--seed"]), "Cannot parse arguments: --seed needs a value");
  assert.equal(
    usageError(["run", "x", "--seed", "-1"]),
    'Cannot parse arguments: --seed must be a whole number from 0 to 4294967295, got "-1"',
  );
  assert.equal(
    usageError(["run", "x", "--seeds=0"]),
    'Cannot parse arguments: --seeds must be a whole number from 1 to 4294967295, got "0"',
  );
  assert.equal(
    usageError(["run", "x", "--param", "nodes"]),
    'Cannot parse arguments: --param must read key=value, got "nodes"',
  );
  assert.equal(
    usageError(["run", "x", "--json", "--csv"]),
    "Cannot parse arguments: --json and --csv exclude each other",
  );
  assert.equal(
    usageError(["run", "x", "--json=1"]),
    "Cannot parse arguments: --json takes no value",
  );
  assert.equal(usageError(["run"]), "Cannot parse arguments: run needs an experiment name");
  assert.equal(
    usageError(["run", "x", "y"]),
    'Cannot parse arguments: unexpected "y" after the experiment name',
  );
  assert.equal(
    usageError(["frobnicate"]),
    'Cannot parse arguments: unknown command "frobnicate"; commands are list, describe, run',
  );
  assert.equal(
    usageError(["list", "--json"]),
    'Cannot parse arguments: list takes no flag "--json"',
  );
  for (const args of [["run", "x", "--bogus"], ["run", "x", "--seed", "abc"], ["describe"]]) {
    assert.ok(!usageError(args).includes("\n"));
  }
});

Deno.test("replayCommand's words parse back to the same run", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.dictionary(fc.constantFrom("a", "bMs", "c_d"), fc.jsonValue()),
      (seed, params) => {
        const line = replayCommand("exp", seed, { params });
        const command = parseCliArgs(shellWords(line).slice(3));
        assert.ok(command.command === "run");
        assert.equal(command.seed, seed);
        assert.deepEqual(command.params, JSON.parse(JSON.stringify(params)));
      },
    ),
  );
});

/** Splits a line the way a POSIX shell does for the quoting shellQuote produces. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "", quoted = false, inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === "'") quoted = false;
      else word += c;
    } else if (c === "'") {
      quoted = inWord = true;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === " ") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
