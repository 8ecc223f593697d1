import assert from "node:assert/strict";
import {
  checkCommitRule,
  checkUpToDateRule,
  RaftExerciseResult,
  referenceCommitRule,
  referenceUpToDateRule,
  wrongCommitRule,
  wrongUpToDateRule,
} from "../../lib/exercises/mod.ts";

Deno.test("checkUpToDateRule accepts the §5.4.1 rule after a clean fault sweep", () => {
  const result = checkUpToDateRule(referenceUpToDateRule);
  assert.ok(result instanceof RaftExerciseResult);
  assert.equal(result.passed, true);
  assert.equal(result.failure, undefined);
  assert.match(result.details.join("\n"), /✓ 200 runs under random faults/);
  assert.ok(result.rows.every((row) => row.agrees === true));
});

Deno.test("checkUpToDateRule catches a length-only rule with the seed, the invariant and a diagram", () => {
  const result = checkUpToDateRule(wrongUpToDateRule);
  assert.equal(result.passed, false);
  assert.equal(result.failure?.seed, 6);
  assert.equal(result.failure?.invariant, "leader completeness");
  assert.deepEqual(result.counterexample, {
    seed: 6,
    kind: "safety",
    invariant: "leader completeness",
  });
  const text = String(result);
  assert.match(text, /disagrees with the paper on 2 of 7 cases/);
  assert.match(text, /The fault sweep failed on run 6 of 200/);
  assert.match(result.diagram?.html ?? "", /^<figure/);
  // The diagram zooms on the election that broke the rule and says what to look at; the
  // failure's own sentence is in the verdict above it, not repeated under the figure.
  const diagram = result.diagram?.html ?? "";
  assert.match(diagram, /n\d is elected leader of term \d+/);
  assert.match(diagram, /RequestVote/);
  assert.doesNotMatch(diagram, /AppendEntries/);
  assert.match(diagram, />grants</);
  assert.match(diagram, /Look at the votes in red/);
  assert.doesNotMatch(diagram, /Invariant "leader completeness" broken/);
  const html = result.toHtml();
  assert.ok(html.includes(result.diagram!.html) && html.includes(result.timeline!.html));
});

Deno.test("checkUpToDateRule catches rules the table alone would miss in the sweep", () => {
  // Compares terms only: right on most of the table, wrong where a shorter log of the
  // same term asks for a vote.
  const termOnly = (candidateTerm: number, _ci: number, myTerm: number, _mi: number) =>
    candidateTerm >= myTerm;
  const result = checkUpToDateRule(termOnly, { seeds: 50 });
  assert.equal(result.passed, false);
  assert.equal(result.failure?.kind, "safety");
});

Deno.test("checkUpToDateRule reports a rule that refuses every vote as a liveness failure", () => {
  const result = checkUpToDateRule(() => false, { seeds: 3 });
  assert.equal(result.passed, false);
  assert.equal(result.failure?.kind, "liveness");
  assert.match(String(result), /could not elect a leader/);
});

Deno.test("checkUpToDateRule never throws: a non-function or a throwing rule fails politely", () => {
  const notAFunction = checkUpToDateRule(42 as unknown as () => boolean);
  assert.equal(notAFunction.passed, false);
  assert.match(notAFunction.details[0]!, /Expected a function/);
  const throwing = checkUpToDateRule(() => {
    throw new Error("not yet");
  }, { seeds: 2 });
  assert.equal(throwing.passed, false);
  assert.match(String(throwing), /threw not yet/);
  assert.equal(throwing.failure?.kind, "exception");
  assert.equal(throwing.failure?.invariant, "node-exception");
});

Deno.test("checkCommitRule accepts the §5.3/§5.4.2 rule after a clean Figure 8 sweep", () => {
  const result = checkCommitRule(referenceCommitRule);
  assert.equal(result.passed, true);
  assert.match(String(result), /✓ 100 runs under random faults/);
});

Deno.test("checkCommitRule catches Figure 8's rule: counting replicas of an old entry", () => {
  const result = checkCommitRule(wrongCommitRule);
  assert.equal(result.passed, false);
  assert.ok(
    result.failure !== undefined && result.failure.seed <= 100,
    "within the 100 seeds it sweeps",
  );
  assert.equal(result.failure?.invariant, "leader completeness");
  const text = String(result);
  assert.match(text, /disagrees with the paper on 1 of 6 cases/);
  assert.match(text, /of an earlier term: it waits/);
  assert.doesNotMatch(text, /deno task exp run/, "the CLI would replay the built-in rule");
  assert.match(result.diagram?.html ?? "", /is elected leader of term/);
  assert.match(result.diagram?.html ?? "", /§5\.4\.2/);
});

Deno.test("checkCommitRule shows a stalled cluster's announced commit index and stored logs", () => {
  const result = checkCommitRule((input) => input.commitIndex, { seeds: 2 });
  assert.equal(result.failure?.kind, "liveness");
  const diagram = result.diagram?.html ?? "";
  assert.match(diagram, /last rounds of AppendEntries/);
  assert.match(diagram, />commit 0</);
  assert.match(diagram, />stores up to \d+</);
  assert.match(diagram, /stays at 0/);
  assert.doesNotMatch(diagram, /RequestVote/);
});

Deno.test("checkCommitRule reports a rule that returns a fraction as a thrown handler", () => {
  const result = checkCommitRule(() => 2.5, { seeds: 2 });
  assert.equal(result.passed, false);
  assert.equal(result.failure?.kind, "exception");
  assert.equal(result.failure?.invariant, "node-exception");
  assert.match(String(result), /must return a whole number/);
});
