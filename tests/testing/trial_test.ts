import assert from "node:assert/strict";
import { z } from "zod";
import {
  ConfigError,
  defineTrial,
  describeFailure,
  invariant,
  linearizability,
  runTrial,
  Simulation,
  TRIAL_FAILURE_KINDS,
  type TrialFailure,
} from "./deps.ts";
import { type ToyParamsSchema, toyRegister, type ToySystem } from "./toy_register.ts";

/** The first seed from 1 whose trial fails, with its failure. */
function firstFailure(params: z.input<typeof ToyParamsSchema>): TrialFailure {
  for (let seed = 1; seed <= 100; seed++) {
    const result = runTrial(toyRegister, params, seed);
    if (result.failure !== undefined) return result.failure;
  }
  throw new Error("no failure in 100 seeds");
}

function assertReported(failure: TrialFailure, bug: string): void {
  assert.equal(failure.trial, "toy-register");
  assert.ok(Number.isInteger(failure.seed) && failure.seed >= 1);
  assert.ok(Number.isFinite(failure.timeMs) && failure.timeMs >= 0);
  assert.equal(
    failure.replay,
    `deno task exp run toy-register --seed ${failure.seed} --param bug=${bug}`,
  );
  assert.ok(failure.excerpt.length > 0, "the failure shows the records before it");
  const text = describeFailure(failure);
  assert.ok(text.startsWith(`${failure.kind} (${failure.invariant}), seed ${failure.seed} at `));
  assert.ok(text.endsWith(`\n  replay: ${failure.replay}`));
}

Deno.test("runTrial of a correct protocol under faults: no failure, a linearizable history, recovery measured", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const result = runTrial(toyRegister, {}, seed);
    assert.equal(result.failure, undefined, `seed ${seed}`);
    assert.equal(result.history?.valid, true);
    assert.equal(result.history?.checker, "linearizability");
    assert.ok(result.faults.length > 0, "the nemesis struck");
    assert.ok(result.recoveryMs !== null && result.recoveryMs <= 500);
    assert.deepEqual(result.row, {
      operations: result.system.history.filter((op) => op.type !== "invoke").length,
      linearizable: true,
      failure: null,
      recoveryMs: result.recoveryMs,
    });
  }
});

Deno.test("runTrial reports a broken invariant as safety, by its name", () => {
  const failure = firstFailure({ bug: "corrupt" });
  assert.equal(failure.kind, "safety");
  assert.equal(failure.invariant, "holds only written values");
  assert.match(failure.message, /r1 holds 103, which no client wrote/);
  assertReported(failure, "corrupt");
});

Deno.test("runTrial reports a liveness failure after the faults heal, by the condition's name", () => {
  const failure = firstFailure({ bug: "stuck" });
  assert.equal(failure.kind, "liveness");
  assert.equal(failure.invariant, "a write answered after the faults healed");
  assert.match(failure.message, /r1 is up/, "the explanation is in the message");
  assertReported(failure, "stuck");
});

Deno.test("runTrial reports a refuted history, naming the checker, with the operations around it", () => {
  const failure = firstFailure({ bug: "volatile" });
  assert.equal(failure.kind, "history");
  assert.equal(failure.invariant, "linearizability");
  assert.match(failure.message, /cannot be linearized/);
  assert.match(failure.excerpt.at(-1)!, /^✗ p\d+ read/);
  assertReported(failure, "volatile");
});

Deno.test("runTrial reports a throwing handler as an exception", () => {
  const failure = firstFailure({ bug: "throw" });
  assert.equal(failure.kind, "exception");
  assert.equal(failure.invariant, "node-exception");
  assert.match(failure.message, /cas to the same value/);
  assertReported(failure, "throw");
});

Deno.test("every failure kind is one of the four", () => {
  assert.deepEqual(TRIAL_FAILURE_KINDS, ["safety", "liveness", "history", "exception"]);
});

Deno.test("runTrial is a function of its parameters and seed, recording or not", () => {
  const a = runTrial(toyRegister, { bug: "volatile" }, 3);
  const b = runTrial(toyRegister, { bug: "volatile" }, 3, { record: true });
  assert.deepEqual(a.row, b.row);
  assert.deepEqual(a.system.history, b.system.history);
  assert.deepEqual(a.faults, b.faults);
  assert.deepEqual(a.failure, b.failure);
  assert.notDeepEqual(runTrial(toyRegister, {}, 4).system.history, a.system.history);
});

Deno.test("runTrial names a bad parameter before anything runs", () => {
  assert.throws(
    () => runTrial(toyRegister, { clients: 0 }, 1),
    (error: unknown) => error instanceof ConfigError && /params\.clients/.test(error.message),
  );
});

Deno.test("a cadenced invariant is checked every everyMs and reported by name", () => {
  const checkedAt: number[] = [];
  const cadenced = defineTrial({
    ...toyRegister,
    invariants: [
      invariant("holds only written values", (system: ToySystem) => {
        checkedAt.push(system.simulation.now);
        return toyRegister.invariants![0]!.check(system);
      }, { everyMs: 25 }),
    ],
  });
  const clean = runTrial(cadenced, { faultsPerSecond: 0 }, 1);
  assert.equal(clean.failure, undefined);
  assert.deepEqual(checkedAt.slice(0, 4), [0, 25, 50, 75]);
  const failure = runTrial(cadenced, { bug: "corrupt" }, 1).failure;
  assert.equal(failure?.kind, "safety");
  assert.equal(failure?.invariant, "holds only written values");
  assert.equal(failure!.timeMs % 25, 0, "seen at a tick");
});

Deno.test("final checks run once at the end; history checks can be replaced or turned off", () => {
  const base = { ...toyRegister };
  const final = defineTrial({
    ...base,
    finalChecks: [
      invariant(
        "no more than 10 operations",
        (s: ToySystem) => s.history.length > 10 ? `${s.history.length} records` : undefined,
      ),
    ],
  });
  const failure = runTrial(final, { faultsPerSecond: 0 }, 1).failure!;
  assert.equal(failure.kind, "safety");
  assert.equal(failure.invariant, "no more than 10 operations");

  const off = defineTrial({ ...base, history: false });
  const result = runTrial(off, { bug: "volatile" }, 1);
  assert.equal(result.history, undefined);
  assert.equal(result.failure, undefined);

  const strict = defineTrial({
    ...base,
    history: {
      name: "no reads",
      check: (h) => ({ checker: "no reads", valid: !h.some((op) => op.f === "read") }),
    },
  });
  const refuted = runTrial(strict, { faultsPerSecond: 0 }, 1).failure!;
  assert.equal(refuted.kind, "history");
  assert.equal(refuted.invariant, "no reads");
  assert.equal(linearizability("kv").name, "linearizability");
});

Deno.test("defineTrial refuses two invariants of one name and a params schema without defaults", () => {
  const check = () => undefined;
  assert.throws(
    () =>
      defineTrial({ ...toyRegister, finalChecks: [invariant("holds only written values", check)] }),
    /two invariants are named "holds only written values"/,
  );
  assert.throws(
    () =>
      defineTrial({
        name: "x",
        params: z.strictObject({ n: z.number() }),
        build: () => ({ simulation: new Simulation() }),
        row: () => ({}),
      }),
    ConfigError,
  );
  assert.throws(() => invariant("", check), /name must be a non-empty string/);
  assert.throws(() => invariant("x", check, { everyMs: 0 }), /everyMs must be a positive number/);
});
