import assert from "node:assert/strict";
import { invocationDir } from "../../tools/invocation.ts";

const ROOT = Deno.realPathSync(new URL("../../", import.meta.url));
const decoder = new TextDecoder();

/** `deno task <args>` typed in `cwd`, with no INIT_CWD inherited from this test run. */
async function denoTask(cwd: string, ...args: string[]) {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...args],
    cwd,
    clearEnv: true,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("invocationDir is INIT_CWD when it names a folder, else the working directory", () => {
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", `${ROOT}/notebooks`);
    assert.equal(invocationDir(), `${ROOT}/notebooks`);
    Deno.env.set("INIT_CWD", `${ROOT}/no-such-folder`);
    assert.equal(invocationDir(), Deno.cwd());
    Deno.env.delete("INIT_CWD");
    assert.equal(invocationDir(), Deno.cwd());
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("deno task check-history resolves a relative path against the folder it was typed in", async () => {
  const file = "../data/histories/register_correct.json";
  const run = await denoTask(`${ROOT}/notebooks`, "check-history", "--json", file);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim());
  assert.equal(result.file, file);
  assert.equal(result.valid, true);
});

Deno.test("deno task notebooks:clean checks a notebook named relative to the folder it was typed in", async () => {
  const run = await denoTask(
    `${ROOT}/notebooks`,
    "notebooks:clean",
    "00_welcome.ipynb",
    "no_such_chapter.ipynb",
  );
  // The chapter is found (and clean), the missing one is reported under the name typed.
  assert.equal(run.code, 1, run.stderr);
  const problems = run.stderr.split("\n").filter((line) => line !== "" && !/^Task /.test(line));
  assert.equal(problems.length, 1, run.stderr);
  assert.match(problems[0]!, /no_such_chapter\.ipynb/);
});
