import assert from "node:assert/strict";
import {
  describeMessage,
  describePayload,
  describeRecord,
  recordNodes,
  Simulation,
  Trace,
  type TraceRecord,
} from "../../lib/mod.ts";
import { BUSY_IDS, busyRun, type GossipNode } from "./helpers.ts";

type Msg = { type: "Vote"; term: number } | { type: "Ack" };

/** A small scripted run in which every kind of trace record happens once or twice. */
function scripted(record = true): Simulation<Msg> {
  const sim = new Simulation<Msg>({
    seed: 1,
    record,
    network: {
      latency: { kind: "constant", ms: 2 },
      links: [
        { from: "a", to: "b", duplicateProbability: 1 },
        { from: "a", to: "c", lossProbability: 1 },
      ],
    },
    faults: [
      { atMs: 10, kind: "partition", groups: [["a"], ["b"]] },
      { atMs: 12, kind: "heal" },
      { atMs: 20, kind: "crash", node: "b" },
      { atMs: 25, kind: "restart", node: "b" },
      { atMs: 30, kind: "pause", node: "c" },
      { atMs: 31, kind: "resume", node: "c" },
      { atMs: 40, kind: "clock-jump", node: "a", deltaMs: -3 },
    ],
  });
  sim.addNode<string>("a", (ctx) => ({
    start: () => {
      ctx.send("b", { type: "Vote", term: 1 });
      ctx.send("c", { type: "Vote", term: 1 });
      ctx.setTimer(11, "election");
    },
    onTimer: () => {
      ctx.send("b", { type: "Vote", term: 2 });
      ctx.setTimer(10, "retry");
    },
    onMessage: () => {},
  }));
  sim.addNodes(["b", "c"], (ctx) => ({
    onMessage: (from, message) => {
      if (message.type === "Vote") ctx.log("voted", { term: message.term, for: from });
      if (ctx.id === "b") ctx.send(from, { type: "Ack" });
    },
  }));
  sim.runUntil(50);
  return sim;
}

Deno.test("Trace records every kind of event with its fields", () => {
  const sim = scripted();
  const records = sim.trace.records;
  const vote1 = { type: "Vote", term: 1 } as const;
  const expected: TraceRecord[] = [
    { kind: "start", t: 0, node: "a", incarnation: 1 },
    { kind: "send", t: 0, from: "a", to: "b", msgId: 0, type: "Vote", message: vote1, copies: 2 },
    { kind: "send", t: 0, from: "a", to: "c", msgId: 1, type: "Vote", message: vote1, copies: 1 },
    {
      kind: "drop",
      t: 0,
      from: "a",
      to: "c",
      msgId: 1,
      copy: 0,
      type: "Vote",
      message: vote1,
      sentAt: 0,
      reason: "loss",
    },
    { kind: "start", t: 0, node: "b", incarnation: 1 },
    { kind: "start", t: 0, node: "c", incarnation: 1 },
    {
      kind: "deliver",
      t: 2,
      from: "a",
      to: "b",
      msgId: 0,
      copy: 0,
      type: "Vote",
      message: vote1,
      sentAt: 0,
    },
    { kind: "note", t: 2, node: "b", text: "voted", data: { term: 1, for: "a" } },
    {
      kind: "send",
      t: 2,
      from: "b",
      to: "a",
      msgId: 2,
      type: "Ack",
      message: { type: "Ack" },
      copies: 1,
    },
    {
      kind: "deliver",
      t: 2,
      from: "a",
      to: "b",
      msgId: 0,
      copy: 1,
      type: "Vote",
      message: vote1,
      sentAt: 0,
    },
  ];
  assert.deepEqual(records.slice(0, expected.length), expected);
  const find = (kind: TraceRecord["kind"]) => records.filter((r) => r.kind === kind);
  assert.deepEqual(find("partition"), [
    {
      kind: "partition",
      t: 10,
      description: "partition {a} | {b}",
      links: [["a", "b"], ["b", "a"]],
    },
  ]);
  assert.deepEqual(find("heal"), [{ kind: "heal", t: 12 }]);
  assert.deepEqual(find("timer").slice(0, 1), [{
    kind: "timer",
    t: 11,
    node: "a",
    timerId: 1,
    name: "election",
  }]);
  assert.deepEqual(find("crash"), [{ kind: "crash", t: 20, node: "b" }]);
  assert.deepEqual(find("restart"), [{ kind: "restart", t: 25, node: "b", incarnation: 2 }]);
  assert.deepEqual(find("pause"), [{ kind: "pause", t: 30, node: "c" }]);
  assert.deepEqual(find("resume"), [{ kind: "resume", t: 31, node: "c" }]);
  assert.deepEqual(find("clock-jump"), [{ kind: "clock-jump", t: 40, node: "a", deltaMs: -3 }]);
  // The 21 ms retry's Vote (duplicated on a → b) reaches b while it is crashed.
  assert.deepEqual(
    find("drop").filter((r) => r.kind === "drop" && r.reason === "crashed").map((
      r,
    ) => [r.t, r.kind === "drop" && r.copy]),
    [[23, 0], [23, 1]],
  );
  assert.equal(new Set(records.map((r) => r.kind)).size, 13, "every record kind appears");
});

Deno.test("Trace.describe renders one line per record, in the documented form", () => {
  const lines = scripted().trace.describe().split("\n");
  assert.deepEqual(lines.slice(0, 10), [
    "     0.000 ms  a ▶ started (incarnation 1)",
    "     0.000 ms  a → b  Vote term=1 (duplicated ×2)",
    "     0.000 ms  a → c  Vote term=1",
    "     0.000 ms  a ✕ c  Vote term=1  dropped: loss",
    "     0.000 ms  b ▶ started (incarnation 1)",
    "     0.000 ms  c ▶ started (incarnation 1)",
    "     2.000 ms  a ⇒ b  Vote term=1  (after 2.000 ms)",
    "     2.000 ms  b ✎ voted term=1 for=a",
    "     2.000 ms  b → a  Ack",
    "     2.000 ms  a ⇒ b  Vote term=1  (after 2.000 ms, duplicate)",
  ]);
  for (
    const line of [
      "    10.000 ms  partition: partition {a} | {b}",
      "    11.000 ms  a ◷ election",
      "    12.000 ms  network healed",
      "    20.000 ms  b ✖ crashed",
      "    25.000 ms  b ↻ restarted (incarnation 2)",
      "    30.000 ms  c ‖ paused",
      "    31.000 ms  c ▷ resumed",
      "    40.000 ms  a clock jumps -3 ms",
      "    23.000 ms  a ✕ b  Vote term=2  dropped: crashed",
    ]
  ) {
    assert.ok(lines.includes(line), `missing line: ${line}`);
  }
});

Deno.test("Trace.describe filters by time, node and kind, and says how many lines it left out", () => {
  const trace = scripted().trace;
  assert.equal(
    trace.describe({ fromMs: 20, toMs: 31, kinds: ["crash", "restart", "pause", "resume"] }),
    [
      "    20.000 ms  b ✖ crashed",
      "    25.000 ms  b ↻ restarted (incarnation 2)",
      "    30.000 ms  c ‖ paused",
      "    31.000 ms  c ▷ resumed",
    ].join("\n"),
  );
  const cOnly = trace.describe({ nodes: ["c"], limit: 1000 }).split("\n");
  assert.ok(cOnly.every((line) => /\bc\b/.test(line)), cOnly.join("\n"));
  const limited = trace.describe({ limit: 3 }).split("\n");
  assert.equal(limited.length, 4);
  assert.equal(limited[3], `… ${trace.length - 3} more records`);
  assert.equal(trace.describe().split("\n").length, Math.min(trace.length, 200));
});

Deno.test("Trace.messages gives one row per message copy with its fate and latency", () => {
  const trace = scripted().trace;
  const rows = trace.messages();
  assert.deepEqual(rows[0], {
    msgId: 1,
    copy: 0,
    from: "a",
    to: "c",
    type: "Vote",
    sentAt: 0,
    endAt: 0,
    delivered: false,
    reason: "loss",
    latencyMs: 0,
  });
  assert.deepEqual(rows[1], {
    msgId: 0,
    copy: 0,
    from: "a",
    to: "b",
    type: "Vote",
    sentAt: 0,
    endAt: 2,
    delivered: true,
    latencyMs: 2,
  });
  assert.equal(rows.length, trace.ofKind("deliver").length + trace.ofKind("drop").length);
  const copies = trace.ofKind("send").reduce((sum, send) => sum + send.copies, 0);
  assert.equal(rows.length, copies, "every copy sent ends in exactly one row");
  assert.ok(rows.every((row) => row.latencyMs === row.endAt - row.sentAt));
  assert.ok(rows.every((row) => row.delivered === (row.reason === undefined)));
});

Deno.test("Trace with recording off is empty but the run, stats and node state are the same", () => {
  const on = busyRun(17);
  const off = busyRun(17, { record: false });
  assert.equal(off.trace.length, 0);
  assert.ok(on.trace.length > 100);
  assert.deepEqual(off.stats, on.stats);
  for (const id of BUSY_IDS) {
    assert.deepEqual(off.node<GossipNode>(id)?.seen, on.node<GossipNode>(id)?.seen, id);
    assert.deepEqual(off.storage(id).get("seen"), on.storage(id).get("seen"), id);
    assert.equal(off.localTime(id), on.localTime(id));
  }
});

Deno.test("Simulation.events$ emits the same records as the trace, and works with recording off", () => {
  const collect = (record: boolean) => {
    const sim = new Simulation<Msg>({ seed: 2, record, network: { lossProbability: 0.3 } });
    const seen: TraceRecord[] = [];
    const subscription = sim.events$.subscribe((r) => seen.push(r));
    sim.addNodes(["a", "b"], (ctx) => ({
      start: () => ctx.send(ctx.peers[0] as string, { type: "Vote", term: 1 }),
      onMessage: (from) => ctx.send(from, { type: "Ack" }),
    }));
    sim.runUntil(10);
    subscription.unsubscribe();
    const before = seen.length;
    sim.crash("a");
    return { sim, seen, before };
  };
  const on = collect(true);
  assert.ok(on.seen.length > 3);
  assert.equal(on.seen.length, on.before, "records after unsubscribe");
  assert.deepEqual(on.seen, on.sim.trace.records.slice(0, on.seen.length));
  assert.equal(on.sim.trace.records.at(-1)?.kind, "crash");
  const off = collect(false);
  assert.deepEqual(off.seen, on.seen);
  assert.equal(off.sim.trace.length, 0);
});

Deno.test("Trace.hash is 16 hex digits, equal for equal records and changed by any difference", () => {
  const make = (records: TraceRecord[]) => {
    const trace = new Trace();
    for (const record of records) trace.push(record);
    return trace.hash();
  };
  const base: TraceRecord[] = [
    { kind: "start", t: 0, node: "a", incarnation: 1 },
    { kind: "timer", t: 1.5, node: "a", timerId: 1, name: "x" },
  ];
  assert.match(make(base), /^[0-9a-f]{16}$/);
  assert.equal(make(base), make(structuredClone(base)));
  assert.notEqual(make(base), make([base[1] as TraceRecord, base[0] as TraceRecord]));
  assert.notEqual(
    make(base),
    make([base[0] as TraceRecord, { ...base[1], t: 1.5000001 } as TraceRecord]),
  );
  assert.notEqual(make(base), make(base.slice(0, 1)));
  assert.notEqual(make([]), make(base.slice(0, 1)));
});

Deno.test("Trace displays in Jupyter as counts by kind, hash and first lines", () => {
  const trace = scripted().trace;
  const displayable = trace as unknown as Record<symbol, () => Record<string, string>>;
  const display = displayable[Symbol.for("Jupyter.display")]?.call(trace) ?? {};
  const text = display["text/plain"] as string;
  assert.ok(text.startsWith(`Trace: ${trace.length} records (`), text);
  assert.ok(text.includes(`hash ${trace.hash()}`));
  assert.ok(text.includes("3 start"));
  assert.equal(
    text.split("\n").length,
    1 + Math.min(20, trace.length) + (trace.length > 20 ? 1 : 0),
  );
});

Deno.test("describeMessage, describePayload and recordNodes summarise records compactly", () => {
  assert.equal(
    describeMessage({ type: "RequestVote", term: 3, candidate: "n2" } as never),
    "RequestVote term=3 candidate=n2",
  );
  assert.equal(
    describeMessage({ type: "W", value: "two words", x: 1.23456, list: [1, 2] } as never),
    'W value="two words" x=1.235 list=[1,2]',
  );
  assert.equal(
    describeMessage({ type: "Long", text: "y".repeat(200) } as never, 20),
    "Long text=yyyyyyyyy…",
  );
  assert.equal(describePayload("election"), "election");
  assert.equal(describePayload({ type: "Retry", n: 2 }), "Retry n=2");
  assert.equal(describePayload(42), "42");
  assert.equal(describePayload({ a: 1 }), '{"a":1}');
  assert.deepEqual(recordNodes({ kind: "heal", t: 0 }), []);
  assert.deepEqual(
    recordNodes({ kind: "partition", t: 0, description: "", links: [["a", "b"], ["b", "a"]] }),
    ["a", "b"],
  );
  assert.deepEqual(recordNodes({ kind: "crash", t: 0, node: "z" }), ["z"]);
  assert.equal(
    describeRecord({ kind: "timer", t: 12.5, node: "n1", timerId: 3, name: "election" }),
    "    12.500 ms  n1 ◷ election",
  );
});

Deno.test("Trace keeps compact entries and objects in one order, past its first growth", () => {
  const names = ["a", "b"];
  const trace = new Trace(names);
  const ping = { type: "Ping", n: 1 };
  const expected: TraceRecord[] = [];
  for (let i = 0; i < 1500; i++) {
    const t = i / 2;
    trace.recordSend(t, 0, 1, i, ping, 1);
    expected.push({
      kind: "send",
      t,
      from: "a",
      to: "b",
      msgId: i,
      type: "Ping",
      message: ping,
      copies: 1,
    });
    if (i % 3 === 0) {
      trace.recordDelivery(t + 1, 0, 1, i, 0, ping, t);
      expected.push({
        kind: "deliver",
        t: t + 1,
        from: "a",
        to: "b",
        msgId: i,
        copy: 0,
        type: "Ping",
        message: ping,
        sentAt: t,
      });
    } else if (i % 3 === 1) {
      trace.recordDrop(t + 1, 1, 0, i, 1, ping, t, "partition");
      expected.push({
        kind: "drop",
        t: t + 1,
        from: "b",
        to: "a",
        msgId: i,
        copy: 1,
        type: "Ping",
        message: ping,
        sentAt: t,
        reason: "partition",
      });
    } else {
      const note: TraceRecord = { kind: "note", t, node: "a", text: `note ${i}` };
      trace.push(note);
      expected.push(note);
    }
  }
  assert.equal(trace.length, expected.length);
  // Read twice: the second read sees the records already built, plus any added since.
  assert.deepEqual(trace.records.slice(0, 10), expected.slice(0, 10));
  assert.deepEqual(trace.records, expected);
  const copy = new Trace();
  for (const record of expected) copy.push(record);
  assert.equal(trace.hash(), copy.hash());
});

Deno.test("sends, deliveries and drops of one message type are typed and in trace order", () => {
  const sim = scripted();
  sim.runUntil(100);
  const trace = sim.trace;
  for (const kind of ["send", "deliver", "drop"] as const) {
    const all = trace.records.filter((r) => r.kind === kind);
    const pick = kind === "send"
      ? trace.sends.bind(trace)
      : kind === "deliver"
      ? trace.deliveries.bind(trace)
      : trace.drops.bind(trace);
    assert.deepEqual(pick(), all);
    assert.deepEqual(pick("Vote"), all.filter((r) => "type" in r && r.type === "Vote"));
  }
  const votes = trace.deliveries("Vote");
  assert.ok(votes.length > 0);
  // The message is narrowed to the Vote member of the union: no cast to read its term.
  const terms: number[] = votes.map((d) => d.message.term);
  assert.ok(terms.every((term) => term >= 1));
  assert.ok(trace.drops("Vote").length > 0);
});
