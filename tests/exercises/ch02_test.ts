import assert from "node:assert/strict";
import {
  auditClock,
  type CausalScript,
  compareNumbers,
  runCausalScript,
  type VectorTimestamp,
} from "../../lib/clocks/mod.ts";
import {
  assertPassed,
  checkLamportReceive,
  checkVectorClock,
  ExerciseFailedError,
  ExerciseResult,
  type LamportReceiveRule,
  referenceLamportReceive,
  referenceVectorClock,
  type VectorClockAnswer,
  wrongLamportReceive,
  wrongVectorClock,
} from "../../lib/exercises/mod.ts";
import { count } from "../viz/helpers.ts";

interface Counterexample {
  readonly script: CausalScript;
  readonly a: { readonly index: number };
  readonly b: { readonly index: number };
}

/** Lamport timestamps of `script`'s events with a receive rule, checked by the audit. */
function lamportViolations(script: CausalScript, rule: LamportReceiveRule): number {
  const run = runCausalScript(script, {
    lamport: () => {
      let time = 0; // one clock per node
      return {
        tick: () => ++time,
        send: () => ++time,
        receive: (stamp: number) => time = rule(time, stamp),
      };
    },
  });
  return auditClock(run.truth, run.stamps.lamport, compareNumbers).violations;
}

// ---- the Lamport receive rule -----------------------------------------------------------

Deno.test("checkLamportReceive passes the reference rule", () => {
  const result = checkLamportReceive(referenceLamportReceive);
  assert.equal(result.passed, true, String(result));
  assert.equal(result.figure, undefined);
  assert.match(result.details[0]!, /On 100 random runs/);
});

Deno.test("checkLamportReceive catches a rule without + 1 with a one-message counterexample", () => {
  const result = checkLamportReceive(wrongLamportReceive);
  assert.equal(result.passed, false);
  const example = result.counterexample as Counterexample;
  assert.equal(example.script.actions.length, 1);
  assert.match(result.details.join("\n"), /Smallest counterexample .*2 events/);
  assert.match(result.details.join("\n"), /L = 1 and then L = 1/);
  // It really is a counterexample: the wrong rule breaks the clock condition on it, the
  // reference does not.
  assert.ok(lamportViolations(example.script, wrongLamportReceive) > 0);
  assert.equal(lamportViolations(example.script, referenceLamportReceive), 0);
});

Deno.test("checkLamportReceive draws the counterexample with the two events ringed", () => {
  const result = checkLamportReceive(wrongLamportReceive);
  assert.ok(result instanceof ExerciseResult);
  const html = result.toHtml();
  assert.match(html, /exercise-result failed/);
  assert.equal(count(html, "g.clocks-highlight circle"), 2);
  assert.equal(count(html, "g.clocks-event circle"), 2);
  assert.match(html, />L=1</);
  const display = result as unknown as Record<symbol, () => Record<string, string>>;
  const bundle = display[Symbol.for("Jupyter.display")]!();
  assert.equal(bundle["text/html"], html);
});

Deno.test("checkLamportReceive catches a rule that ignores the message", () => {
  const ignores: LamportReceiveRule = (local) => local + 1;
  const result = checkLamportReceive(ignores);
  assert.equal(result.passed, false);
  const example = result.counterexample as Counterexample;
  assert.ok(lamportViolations(example.script, ignores) > 0);
  assert.equal(lamportViolations(example.script, referenceLamportReceive), 0);
});

Deno.test("checkLamportReceive never throws for an unfinished or broken answer", () => {
  const cases: [unknown, RegExp][] = [
    [() => 0, /L = 1 and then L = 0/],
    [() => {
      throw new Error("not implemented yet");
    }, /Your code threw .*Error: not implemented yet/],
    [() => "7", /returned "7", expected a number/],
    [() => Number.NaN, /returned NaN/],
    [42, /Expected a function/],
  ];
  for (const [answer, message] of cases) {
    const result = checkLamportReceive(answer as LamportReceiveRule);
    assert.equal(result.passed, false);
    assert.match(result.details.join("\n"), message);
  }
  assert.throws(
    () => assertPassed(checkLamportReceive(() => 0)),
    (error: unknown) => error instanceof ExerciseFailedError,
  );
});

// ---- a vector clock ---------------------------------------------------------------------

Deno.test("checkVectorClock passes the reference answer", () => {
  const result = checkVectorClock(referenceVectorClock);
  assert.equal(result.passed, true, String(result));
  assert.equal(result.figure, undefined);
});

Deno.test("checkVectorClock catches compare-by-sum with two concurrent events, drawn", () => {
  const result = checkVectorClock(wrongVectorClock);
  assert.equal(result.passed, false);
  const example = result.counterexample as Counterexample & {
    stampA: VectorTimestamp;
    stampB: VectorTimestamp;
  };
  assert.ok(example.script.actions.length <= 2, JSON.stringify(example.script));
  assert.match(result.details.join("\n"), /is concurrent with .* your compare says "equal"/);
  // The reference compare disagrees with the wrong one on the pair it reports.
  assert.equal(referenceVectorClock.compare(example.stampA, example.stampB), "concurrent");
  assert.notEqual(wrongVectorClock.compare(example.stampA, example.stampB), "concurrent");
  assert.equal(count(result.toHtml(), "g.clocks-highlight circle"), 2);
});

Deno.test("checkVectorClock catches a merge that forgets the message", () => {
  const forgetful: VectorClockAnswer = { ...referenceVectorClock, merge: (a) => a };
  const result = checkVectorClock(forgetful);
  assert.equal(result.passed, false);
  assert.match(result.details.join("\n"), /happened before .* your compare says "concurrent"/);
  assert.match(result.details.join("\n"), /does merge keep the larger count/);
});

Deno.test("checkVectorClock accepts a tick that updates the node's clock in place", () => {
  // Mutating in place is legal only if nothing else holds the object; the check copies
  // each stamp as it is taken, so in-place updates on the node's own clock still work.
  const inPlace: VectorClockAnswer = {
    tick: (clock, node) => {
      const mutable = clock as Record<string, number>;
      mutable[node] = (mutable[node] ?? 0) + 1;
      return mutable;
    },
    merge: referenceVectorClock.merge,
    compare: referenceVectorClock.compare,
  };
  assert.equal(checkVectorClock(inPlace).passed, true);
});

Deno.test("checkVectorClock never throws for an unfinished or broken answer", () => {
  const stub: VectorClockAnswer = { tick: (c) => c, merge: (a) => a, compare: () => "concurrent" };
  const cases: [unknown, RegExp][] = [
    [stub, /your compare says "concurrent"/],
    [{ ...referenceVectorClock, compare: () => "maybe" }, /returned "maybe"/],
    [{
      ...referenceVectorClock,
      tick: () => {
        throw new RangeError("todo");
      },
    }, /Your code threw .*RangeError: todo/],
    [{ tick: () => ({}) }, /merge, compare are missing/],
    [null, /tick, merge, compare are missing/],
  ];
  for (const [answer, message] of cases) {
    const result = checkVectorClock(answer as VectorClockAnswer);
    assert.equal(result.passed, false);
    assert.match(result.details.join("\n"), message);
  }
});

Deno.test("the chapter 02 checks are deterministic: same answer, same counterexample", () => {
  const a = checkVectorClock(wrongVectorClock);
  const b = checkVectorClock(wrongVectorClock);
  assert.deepEqual(a.details, b.details);
  assert.equal(a.toHtml(), b.toHtml());
  assert.notDeepEqual(
    checkLamportReceive(wrongLamportReceive, { seed: 1 }).counterexample,
    undefined,
  );
});
