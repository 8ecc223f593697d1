import assert from "node:assert/strict";
import { kernelSpecs } from "../../tools/jupyter.ts";
import {
  createVenv,
  ensureDenoKernel,
  ensureJupyter,
  runSetup,
  SetupError,
  sourceFiles,
} from "../../tools/setup.ts";

Deno.test("sourceFiles lists the modules setup caches: lib, tools, tests and bench, sorted", async () => {
  const files = await sourceFiles();
  for (const file of ["lib/mod.ts", "tools/setup.ts", "tests/run_tool.ts", "bench/report.ts"]) {
    assert.ok(files.includes(file), `${file} is not cached by setup`);
  }
  assert.deepEqual(files, [...files].sort());
  assert.ok(files.every((file) => /^(lib|tools|tests|bench)\/.*\.ts$/.test(file)));
});

Deno.test("ensureJupyter keeps the Jupyter it finds and installs nothing", async () => {
  let installs = 0;
  const status = await ensureJupyter({
    version: () => Promise.resolve("7.17.1"),
    install: () => Promise.resolve(void installs++),
  });
  assert.deepEqual(status, { nbconvertVersion: "7.17.1", installed: false });
  assert.equal(installs, 0);
});

Deno.test("ensureJupyter installs into .venv when no Jupyter is found, then checks again", async () => {
  let installed = false;
  const status = await ensureJupyter({
    version: () => Promise.resolve(installed ? "7.17.1" : null),
    install: () => Promise.resolve(void (installed = true)),
  });
  assert.deepEqual(status, { nbconvertVersion: "7.17.1", installed: true });
  await assert.rejects(
    () => ensureJupyter({ version: () => Promise.resolve(null), install: () => Promise.resolve() }),
    (error: Error) =>
      error instanceof SetupError && /does not run, even after installing/.test(error.message),
  );
});

Deno.test("createVenv runs python -m venv, then pip with fast-failing flags", async () => {
  const dir = await Deno.makeTempDir();
  const calls: string[] = [];
  await createVenv({
    dir: `${dir}/.venv`,
    python: "python3",
    log: () => {},
    run: (program, args) => {
      calls.push([program, ...args].join(" "));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
  });
  assert.deepEqual(calls, [
    `python3 -m venv ${dir}/.venv`,
    `${dir}/.venv/bin/pip install --retries 0 --timeout 3 --disable-pip-version-check ` +
    "jupyterlab notebook nbconvert nbclient",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("createVenv stops with install instructions and leaves no half-made .venv", async () => {
  const dir = await Deno.makeTempDir();
  const venv = `${dir}/.venv`;
  await assert.rejects(
    () =>
      createVenv({
        dir: venv,
        log: () => {},
        run: async (program) => {
          if (program === "python3") {
            await Deno.mkdir(venv);
            return { code: 0, stdout: "", stderr: "" };
          }
          return { code: 1, stdout: "", stderr: "ERROR: No matching distribution found" };
        },
        python: "python3",
      }),
    (error: Error) => {
      assert.ok(error instanceof SetupError);
      assert.match(error.message, /^Cannot install Jupyter into \.venv\/: .*pip install/);
      assert.match(error.message, /No matching distribution found/);
      assert.match(error.message, /apt-get install -y --no-install-recommends jupyter-nbconvert/);
      return true;
    },
  );
  await assert.rejects(() => Deno.stat(venv), Deno.errors.NotFound);
  await assert.rejects(
    () => createVenv({ dir: venv, python: `${dir}/no-python`, log: () => {} }),
    /no-python was not found/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runSetup leaves a registered Deno kernel that a second check finds in place", async () => {
  const report = await runSetup();
  assert.match(report.nbconvertVersion, /^\d+\.\d+/);
  const deno = (await kernelSpecs()).deno;
  assert.ok(deno, "no deno kernelspec after setup");
  const program = deno.spec.argv[0];
  assert.ok(program !== undefined && (await Deno.stat(program)).isFile);
  assert.equal(await ensureDenoKernel(), "present");
});
