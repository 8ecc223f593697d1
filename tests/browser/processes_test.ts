import assert from "node:assert/strict";
import { processesMentioning } from "./processes.ts";

Deno.test("processesMentioning finds a running process by its command line, and not once it ended", async () => {
  const marker = `marker_${crypto.randomUUID()}`;
  const child = new Deno.Command("sh", {
    args: ["-c", "sleep 30; :", marker],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    assert.deepEqual(await processesMentioning(marker), [child.pid]);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assert.deepEqual(await processesMentioning(marker), []);
});
