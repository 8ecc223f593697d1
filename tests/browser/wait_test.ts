import assert from "node:assert/strict";
import { Deadline, formatSeconds, settleWithin, waitFor, WaitTimeoutError } from "./wait.ts";

Deno.test("waitFor returns the first value the probe gives that is not empty", async () => {
  let calls = 0;
  const value = await waitFor("count to three", () => ++calls >= 3 && `after ${calls}`, {
    timeoutMs: 5_000,
    intervalMs: 1,
  });
  assert.equal(value, "after 3");
});

Deno.test("waitFor times out naming what it waited for and what it saw last", async () => {
  await assert.rejects(
    waitFor("see the figure", () => false, {
      timeoutMs: 30,
      intervalMs: 5,
      describe: () => "cell 3 shows nothing",
    }),
    (error: Error) => {
      assert.ok(error instanceof WaitTimeoutError);
      assert.equal(error.message, "Cannot see the figure within 30 ms: cell 3 shows nothing");
      return true;
    },
  );
});

Deno.test("waitFor passes on the probe's own error at once", async () => {
  const started = performance.now();
  await assert.rejects(
    waitFor("start", () => {
      throw new Error("Cannot start: the kernel died");
    }, { timeoutMs: 10_000 }),
    /the kernel died/,
  );
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("waitFor rejects a negative timeout", async () => {
  await assert.rejects(waitFor("x", () => true, { timeoutMs: -1 }), RangeError);
});

Deno.test("Deadline.bound gives the smaller of a step's bound and the time left", async () => {
  const deadline = new Deadline(60_000);
  assert.equal(deadline.bound(1_000), 1_000);
  assert.ok(deadline.bound(120_000) <= 60_000);
  const short = new Deadline(1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(short.remainingMs(), 0);
  assert.throws(() => short.bound(1_000), /Cannot go on: the run's time of 1 ms is up/);
  assert.throws(() => new Deadline(0), RangeError);
});

Deno.test("settleWithin tells whether a promise settled in time", async () => {
  assert.equal(await settleWithin(Promise.resolve(1), 1_000), true);
  assert.equal(await settleWithin(Promise.reject(new Error("no")), 1_000), true);
  assert.equal(await settleWithin(new Promise(() => {}), 10), false);
});

Deno.test("formatSeconds writes milliseconds below a second, else seconds to a tenth", () => {
  assert.equal(formatSeconds(250.4), "250 ms");
  assert.equal(formatSeconds(30_000), "30 s");
  assert.equal(formatSeconds(1_540), "1.5 s");
});
