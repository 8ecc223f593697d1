import assert from "node:assert/strict";
import {
  chooseLabCommand,
  DEFAULT_KERNEL_DENO,
  LAB_INSTALL_HELP,
  type LabFrontEnd,
} from "../../tools/lab.ts";

function installed(...frontEnds: LabFrontEnd[]) {
  return (frontEnd: LabFrontEnd) => Promise.resolve(frontEnds.includes(frontEnd));
}

Deno.test("chooseLabCommand prefers JupyterLab when both front ends are installed", async () => {
  const command = await chooseLabCommand(installed("lab", "notebook"));
  assert.deepEqual(command, {
    frontEnd: "lab",
    args: ["lab", "--ip=127.0.0.1", "--MappingKernelManager.default_kernel_name=deno"],
  });
  assert.equal(command?.args[2], DEFAULT_KERNEL_DENO);
});

Deno.test("chooseLabCommand falls back to the classic Notebook", async () => {
  const command = await chooseLabCommand(installed("notebook"), { asRoot: true });
  assert.deepEqual(command, {
    frontEnd: "notebook",
    args: ["notebook", "--ip=127.0.0.1", DEFAULT_KERNEL_DENO, "--allow-root"],
  });
});

Deno.test("chooseLabCommand returns null when neither is installed", async () => {
  assert.equal(await chooseLabCommand(installed()), null);
  assert.match(LAB_INSTALL_HELP, /pip install jupyterlab/);
  assert.match(LAB_INSTALL_HELP, /apt-get install .*jupyter-notebook/);
});
