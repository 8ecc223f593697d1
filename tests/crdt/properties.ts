/**
 * fast-check arbitraries for CRDT histories: the shape of a history (who updates, who
 * merges whom) is generated and shrunk by fast-check; each update's operation is drawn
 * by the CRDT's own `randomOp` from a generated seed, at the state the replica holds.
 */
import fc from "fast-check";
import {
  type AnyCrdt,
  canonicalJson,
  historyReplica,
  type HistoryRun,
  type HistoryStep,
  runHistory,
  SET_ELEMENTS,
  type SetOp,
} from "../../lib/crdt/mod.ts";
import { Random } from "../../lib/sim/random.ts";

/** Replicas in generated histories. */
export const REPLICAS = 3;

/** A step's shape: an update (with the seed of its op) or a merge from another replica. */
export type StepShape = { replica: number; merge: boolean; from: number; opSeed: number };

/** Shapes of histories up to `maxSteps` steps. */
export function shapes(maxSteps = 25): fc.Arbitrary<StepShape[]> {
  return fc.array(
    fc.record({
      replica: fc.nat(REPLICAS - 1),
      merge: fc.boolean(),
      from: fc.nat(REPLICAS - 1),
      opSeed: fc.nat(),
    }),
    { maxLength: maxSteps },
  );
}

/** Turns shapes into concrete steps for `crdt`, drawing ops at the states reached. */
export function concreteSteps(crdt: AnyCrdt, shape: readonly StepShape[]): HistoryStep<unknown>[] {
  const states = Array.from({ length: REPLICAS }, () => crdt.initial());
  return shape.map((s, i) => {
    if (s.merge && s.from !== s.replica) {
      states[s.replica] = crdt.merge(states[s.replica], states[s.from]);
      return { kind: "merge", replica: s.replica, from: s.from };
    }
    const op = crdt.randomOp(new Random(s.opSeed), states[s.replica], i);
    states[s.replica] = crdt.merge(
      states[s.replica],
      crdt.delta(states[s.replica], historyReplica(s.replica), op),
    );
    return { kind: "update", replica: s.replica, op };
  });
}

/** Set histories over two elements: adds and removes (also of absent elements) and merges. */
export function setSteps(maxSteps = 25): fc.Arbitrary<HistoryStep<SetOp>[]> {
  const element = fc.constantFrom(...SET_ELEMENTS.slice(0, 2));
  return fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant("update" as const),
        replica: fc.nat(REPLICAS - 1),
        op: fc.oneof(
          element.map((e): SetOp => ({ kind: "add", element: e })),
          element.map((e): SetOp => ({ kind: "remove", element: e })),
        ),
      }),
      fc.record({
        kind: fc.constant("merge" as const),
        replica: fc.nat(REPLICAS - 1),
        from: fc.nat(REPLICAS - 1),
      }),
    ),
    { maxLength: maxSteps },
  );
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** A history of `crdt` plus three picks among the states it reached. */
/** A history's run and three states it reached. */
export interface LawInput {
  run: HistoryRun<unknown>;
  a: unknown;
  b: unknown;
  c: unknown;
}

function lawInput(crdt: AnyCrdt): fc.Arbitrary<LawInput> {
  return fc.tuple(shapes(), fc.nat(), fc.nat(), fc.nat()).map(([shape, i, j, k]) => {
    const run = runHistory(crdt, REPLICAS, concreteSteps(crdt, shape));
    const pick = (n: number) => run.seen[n % run.seen.length];
    return { run, a: pick(i), b: pick(j), c: pick(k) };
  });
}

/** The lattice laws and convergence, as one property (used for broken variants too). */
export function lawsProperty(crdt: AnyCrdt): fc.IPropertyWithHooks<[LawInput, number]> {
  return fc.property(lawInput(crdt), fc.nat(), ({ run, a, b, c }, orderSeed) => {
    const m = (x: unknown, y: unknown) => crdt.merge(x, y);
    if (!same(m(a, b), m(b, a))) return false;
    if (!same(m(m(a, b), c), m(a, m(b, c)))) return false;
    if (!same(m(a, a), a)) return false;
    // The same updates, in another order and some of them twice, give the same state.
    const random = new Random(orderSeed);
    const shuffled = [...run.deltas, ...run.deltas.filter(() => random.chance(0.3))];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = random.int(0, i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const inOrder = run.deltas.reduce(m, crdt.initial());
    const anyOrder = shuffled.reduce(m, crdt.initial());
    if (!same(inOrder, anyOrder)) return false;
    // Replicas that merge each other's states end equal, and equal to every update joined.
    const joined = run.states.reduce(m, crdt.initial());
    return run.states.every((s) => same(m(s, joined), joined)) &&
      same(crdt.value(joined), crdt.value(anyOrder));
  });
}
