/**
 * The weak-model checkers against their naive twins on small random histories, the
 * hierarchy of models as a property, and the classic histories that separate one model
 * from the next.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkConsistency,
  CONSISTENCY_MODELS,
  type ConsistencyModel,
  SESSION_GUARANTEES,
} from "../../lib/check/mod.ts";
import type { History } from "../../lib/history/mod.ts";
import {
  bruteForceCausal,
  bruteForceSequential,
  bruteForceSession,
  differentiatedHistory,
  serial,
} from "./consistency_helpers.ts";

const verdict = (history: History, model: ConsistencyModel) =>
  checkConsistency(history, model, { minimize: false }).valid;

Deno.test("checkConsistency sequential agrees with brute force on random histories", () => {
  const counts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 7 }), (history) => {
      const expected = bruteForceSequential(history);
      counts[expected ? "valid" : "invalid"]++;
      assert.equal(verdict(history, "sequential"), expected, JSON.stringify(history));
    }),
    { numRuns: 1500, seed: 901 },
  );
  assert.ok(counts.valid > 200 && counts.invalid > 200, JSON.stringify(counts));
});

Deno.test("checkConsistency causal agrees with brute force on random histories", () => {
  const counts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 7, processes: 3 }), (history) => {
      const expected = bruteForceCausal(history);
      counts[expected ? "valid" : "invalid"]++;
      assert.equal(verdict(history, "causal"), expected, JSON.stringify(history));
    }),
    { numRuns: 1500, seed: 902 },
  );
  assert.ok(counts.valid > 200 && counts.invalid > 200, JSON.stringify(counts));
});

Deno.test("checkConsistency causal agrees with brute force on one key and four processes", () => {
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 8, processes: 4, keys: 1 }), (history) => {
      assert.equal(verdict(history, "causal"), bruteForceCausal(history), JSON.stringify(history));
    }),
    { numRuns: 600, seed: 903 },
  );
});

for (const guarantee of SESSION_GUARANTEES) {
  Deno.test(`checkConsistency ${guarantee} agrees with brute force on random histories`, () => {
    const counts = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(differentiatedHistory({ maxOperations: 8 }), (history) => {
        const expected = bruteForceSession(history, guarantee);
        counts[expected ? "valid" : "invalid"]++;
        assert.equal(verdict(history, guarantee), expected, JSON.stringify(history));
      }),
      { numRuns: 1500, seed: 910 + SESSION_GUARANTEES.indexOf(guarantee) },
    );
    assert.ok(counts.valid > 100 && counts.invalid > 100, JSON.stringify(counts));
  });
}

Deno.test("checkConsistency session-guarantees (all four in one view) agrees with brute force", () => {
  const counts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 8 }), (history) => {
      const expected = bruteForceSession(history, SESSION_GUARANTEES);
      counts[expected ? "valid" : "invalid"]++;
      assert.equal(verdict(history, "session-guarantees"), expected, JSON.stringify(history));
    }),
    { numRuns: 1500, seed: 915 },
  );
  assert.ok(counts.valid > 100 && counts.invalid > 100, JSON.stringify(counts));
});

Deno.test("the hierarchy: linearizable ⇒ sequential ⇒ causal ⇒ each session guarantee", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(differentiatedHistory({ maxOperations: 9, processes: 3 }), (history) => {
      const v = Object.fromEntries(CONSISTENCY_MODELS.map((m) => [m, verdict(history, m)]));
      const implies = (a: ConsistencyModel, b: ConsistencyModel) =>
        assert.ok(v[a] !== true || v[b] === true, `${a} but not ${b}: ${JSON.stringify(history)}`);
      implies("linearizable", "sequential");
      implies("sequential", "causal");
      implies("causal", "session-guarantees");
      for (const g of SESSION_GUARANTEES) implies("session-guarantees", g);
      seen.add(CONSISTENCY_MODELS.map((m) => v[m] === true ? "1" : "0").join(""));
    }),
    { numRuns: 3000, seed: 920 },
  );
  // Histories at every level: linearizable, only sequential, only causal, not causal.
  for (const pattern of ["11111111", "01111111", "00111111", "00011111"]) {
    assert.ok(seen.has(pattern), `no history with verdicts ${pattern}`);
  }
  assert.ok([...seen].some((p) => p.startsWith("000")), "no history that is not causal");
});

const CLASSICS: Record<string, { history: History; holds: ConsistencyModel[] }> = {
  "sequential but not linearizable (a stale read after the write ended)": {
    history: serial([0, "write", "x", 1], [1, "read", "x", null]),
    holds: CONSISTENCY_MODELS.filter((m) => m !== "linearizable"),
  },
  "causal but not sequential (two readers see concurrent writes in opposite orders)": {
    history: serial(
      [0, "write", "x", 1],
      [1, "write", "x", 2],
      [2, "read", "x", 1],
      [2, "read", "x", 2],
      [3, "read", "x", 2],
      [3, "read", "x", 1],
    ),
    holds: CONSISTENCY_MODELS.filter((m) => m !== "linearizable" && m !== "sequential"),
  },
  "every session guarantee but not causal (a chain of three hops)": {
    history: serial(
      [0, "write", "x", 1],
      [1, "read", "x", 1],
      [1, "write", "y", 1],
      [2, "read", "y", 1],
      [2, "write", "z", 1],
      [3, "read", "z", 1],
      [3, "read", "x", null],
    ),
    holds: ["session-guarantees", ...SESSION_GUARANTEES],
  },
  "each session guarantee alone, but not the four together (a session's writes read backwards)": {
    history: serial(
      [0, "write", "x", 1],
      [0, "write", "x", 2],
      [1, "read", "x", 2],
      [1, "read", "x", 1],
    ),
    holds: [...SESSION_GUARANTEES],
  },
  "not read-your-writes only": {
    history: serial([0, "write", "x", 1], [0, "read", "x", null]),
    holds: SESSION_GUARANTEES.filter((g) => g !== "read-your-writes"),
  },
  "not monotonic reads only": {
    history: serial([0, "write", "x", 1], [1, "read", "x", 1], [1, "read", "x", null]),
    holds: SESSION_GUARANTEES.filter((g) => g !== "monotonic-reads"),
  },
  "not monotonic writes only": {
    history: serial(
      [0, "write", "x", 1],
      [0, "write", "y", 1],
      [1, "read", "y", 1],
      [1, "read", "x", null],
    ),
    holds: SESSION_GUARANTEES.filter((g) => g !== "monotonic-writes"),
  },
  "not writes follow reads only": {
    history: serial(
      [0, "write", "x", 1],
      [1, "read", "x", 1],
      [1, "write", "y", 1],
      [2, "read", "y", 1],
      [2, "read", "x", null],
    ),
    holds: SESSION_GUARANTEES.filter((g) => g !== "writes-follow-reads"),
  },
};

for (const [name, { history, holds }] of Object.entries(CLASSICS)) {
  Deno.test(`checkConsistency separates the models: ${name}`, () => {
    for (const model of CONSISTENCY_MODELS) {
      const result = checkConsistency(history, model);
      assert.equal(result.valid, holds.includes(model), `${model}: ${result.evidence?.summary}`);
      if (result.valid === false) {
        // The evidence breaks the model on its own, and no single operation can go.
        const evidence = result.evidence!;
        assert.ok(evidence.minimal);
        assert.equal(checkConsistency(evidence.history, model).valid, false);
        assert.ok(evidence.operations.length >= 1);
      }
    }
  });
}

Deno.test("checkConsistency evidence is 1-minimal on random histories", () => {
  fc.assert(
    fc.property(
      differentiatedHistory({ maxOperations: 8 }),
      fc.constantFrom(...CONSISTENCY_MODELS),
      (history, model) => {
        const result = checkConsistency(history, model);
        if (result.valid !== false) return;
        const evidence = result.evidence!;
        assert.equal(checkConsistency(evidence.history, model, { minimize: false }).valid, false);
        const invokes = evidence.operations.map((op) => op.index);
        for (const drop of invokes) {
          const rest = invokes.filter((i) => i !== drop);
          if (rest.length === 0) continue;
          const smaller = history.filter((_, i) =>
            evidence.history.includes(history[i]!) && !isRecordOf(history, i, drop)
          );
          const sub = checkConsistency(smaller, model, { minimize: false });
          // Dropping one operation either repairs the history or leaves a read of a value
          // no remaining write wrote (a different, trivial reason).
          if (sub.valid === false) {
            assert.match(sub.evidence!.summary, /no operation (ever )?writes|value no/);
          }
        }
      },
    ),
    { numRuns: 400, seed: 930 },
  );
});

function isRecordOf(history: History, index: number, invoke: number): boolean {
  if (index === invoke) return true;
  const op = history[invoke]!;
  for (let i = invoke + 1; i < history.length; i++) {
    if (history[i]!.process === op.process) return i === index && history[i]!.type !== "invoke";
  }
  return false;
}

Deno.test("checkConsistency says unknown when a value is written twice", () => {
  const history = serial([0, "write", "x", 1], [1, "write", "x", 1], [2, "read", "x", 1]);
  for (const model of CONSISTENCY_MODELS.filter((m) => m !== "linearizable")) {
    const result = checkConsistency(history, model);
    assert.equal(result.valid, "unknown");
    assert.match(result.reason!, /both write 1/);
  }
  assert.equal(checkConsistency(history, "linearizable").valid, true);
});

Deno.test("checkConsistency refuses cas for the weaker models and an unknown model name", () => {
  const history: History = [
    { process: 0, type: "invoke", f: "cas", value: [null, 1] },
    { process: 0, type: "ok", f: "cas", value: [null, 1] },
  ];
  assert.throws(() => checkConsistency(history, "causal"), /neither read nor write/);
  assert.equal(checkConsistency(history, "linearizable").valid, true);
  assert.throws(
    () => checkConsistency(history, "eventual" as ConsistencyModel),
    /Cannot check consistency: the model must be one of/,
  );
});

Deno.test("checkConsistency sequential answers unknown when its step budget runs out", () => {
  // Many concurrent writers and a reader that saw them in an order only the last
  // placement explains: the search must branch.
  const writers = Array.from({ length: 8 }, (_, p) => serial([p, "write", "x", p + 1])).flat();
  const reads = serial(
    ...Array.from({ length: 8 }, (_, i) => [8, "read", "x", 8 - i] as const)
      .map(([p, f, k, v]) => [p, f, k, v] as [number, "read", string, number]),
  );
  const result = checkConsistency([...writers, ...reads], "sequential", { maxSteps: 3 });
  assert.equal(result.valid, "unknown");
  assert.match(result.reason!, /NP-complete/);
  assert.equal(checkConsistency([...writers, ...reads], "sequential").valid, true);
});
