/**
 * Faults as data. A fault schedule is a plain list of timed faults (partition, heal,
 * crash, restart, pause, resume, clock jump) that can be written by hand, generated from
 * a seed by the {@link generateNemesis} nemesis, printed, saved as JSON and replayed.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nodeIdField,
  nonNegativeMs,
  parseConfig,
  positiveMs,
} from "../config/mod.ts";
import type { NodeId } from "./node.ts";
import type { Random } from "./random.ts";

const at = nonNegativeMs();
const nodes = z.array(nodeIdField()).min(1, { error: "must name at least one node" });

/** Zod schema of a {@link Fault}. */
export const FaultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    atMs: at,
    kind: z.literal("partition"),
    /** Nodes in different groups cannot talk; nodes in no group are unaffected. */
    groups: z.array(nodes).min(2, { error: "must list at least two groups" })
      .superRefine((groups, context) => {
        // A node in two groups would be cut from itself and its partition ill-defined.
        const seen = new Map<NodeId, number>();
        groups.forEach((group, g) =>
          group.forEach((id, k) => {
            const first = seen.get(id);
            if (first === undefined) seen.set(id, g);
            else {
              context.addIssue({
                code: "custom",
                path: [g, k],
                input: id,
                message: first === g
                  ? "is named twice in one group"
                  : `is already in groups[${first}]: groups must not overlap`,
              });
            }
          })
        );
      }),
  }),
  z.strictObject({
    atMs: at,
    kind: z.literal("partition-one-way"),
    /** Messages from these nodes ... */
    from: nodes,
    /** ... to these nodes are dropped; the reverse direction still works. */
    to: nodes,
  }),
  z.strictObject({ atMs: at, kind: z.literal("heal") }),
  z.strictObject({ atMs: at, kind: z.literal("crash"), node: nodeIdField() }),
  z.strictObject({ atMs: at, kind: z.literal("restart"), node: nodeIdField() }),
  z.strictObject({ atMs: at, kind: z.literal("pause"), node: nodeIdField() }),
  z.strictObject({ atMs: at, kind: z.literal("resume"), node: nodeIdField() }),
  z.strictObject({
    atMs: at,
    kind: z.literal("clock-jump"),
    node: nodeIdField(),
    /** How far the node's clock steps (negative: backwards). */
    deltaMs: z.number(),
  }),
]);

/**
 * One timed fault:
 * - `partition`: cut every link between nodes of different `groups`;
 * - `partition-one-way`: drop messages `from` → `to` only;
 * - `heal`: restore every cut link;
 * - `crash` / `restart`: lose volatile state and timers / start afresh from durable storage;
 * - `pause` / `resume`: freeze a node (messages and timers wait) / let it go on, stale;
 * - `clock-jump`: step a node's clock by `deltaMs`.
 */
export type Fault = z.output<typeof FaultSchema>;

/** What a user may write for a {@link Fault}. */
export type FaultInput = z.input<typeof FaultSchema>;

/** Zod schema of a fault schedule (a list of faults, any order). */
export const FaultScheduleSchema = z.array(FaultSchema);

/** The nodes a fault names. */
export function faultNodes(fault: Fault): NodeId[] {
  switch (fault.kind) {
    case "partition":
      return fault.groups.flat();
    case "partition-one-way":
      return [...fault.from, ...fault.to];
    case "heal":
      return [];
    default:
      return [fault.node];
  }
}

/** A fault in one line, without its time ("partition {n1 n2} | {n3}"). */
export function describeFault(fault: Fault): string {
  const group = (ids: readonly NodeId[]) => `{${ids.join(" ")}}`;
  switch (fault.kind) {
    case "partition":
      return `partition ${fault.groups.map(group).join(" | ")}`;
    case "partition-one-way":
      return `partition one-way ${group(fault.from)} ↛ ${group(fault.to)}`;
    case "heal":
      return "heal";
    case "clock-jump":
      return `clock-jump ${fault.node} ${fault.deltaMs >= 0 ? "+" : ""}${fault.deltaMs} ms`;
    default:
      return `${fault.kind} ${fault.node}`;
  }
}

/**
 * A schedule as text, one fault per line in time order, e.g.
 * `   500.0 ms  partition {n1 n2} | {n3 n4 n5}`.
 */
export function formatFaults(faults: readonly Fault[]): string {
  if (faults.length === 0) return "(no faults)";
  return sortFaults(faults)
    .map((fault) => `${fault.atMs.toFixed(1).padStart(10)} ms  ${describeFault(fault)}`)
    .join("\n");
}

/** The faults in time order (stable for equal times). */
export function sortFaults(faults: readonly Fault[]): Fault[] {
  return faults.map((fault, index) => ({ fault, index }))
    .sort((a, b) => a.fault.atMs - b.fault.atMs || a.index - b.index)
    .map(({ fault }) => fault);
}

/** Options for {@link validateFaultSchedule}: where the story starts. */
export interface ValidateFaultsOptions {
  /** Nodes crashed when the schedule starts. Default none. */
  readonly crashed?: ReadonlySet<NodeId>;
  /** Nodes paused when the schedule starts. Default none. */
  readonly paused?: ReadonlySet<NodeId>;
  /**
   * Faults already scheduled and not yet applied: they play their part in the story (at
   * equal times, before the new faults) but are not checked again.
   */
  readonly scheduled?: readonly Fault[];
}

/**
 * Checks that a schedule makes sense as a story: every node it names exists, a node is
 * restarted only while crashed, resumed only while paused, and so on. Returns one
 * message per problem, naming the fault by its index ("faults[3]: ...").
 *
 * @example
 * ```ts
 * validateFaultSchedule([{ atMs: 5, kind: "restart", node: "n1" }], ["n1", "n2"]);
 * // ["faults[0]: cannot restart n1 at 5 ms: it is up"]
 * ```
 */
export function validateFaultSchedule(
  faults: readonly Fault[],
  nodeIds: readonly NodeId[],
  options: ValidateFaultsOptions = {},
): string[] {
  const problems: string[] = [];
  const known = new Set(nodeIds);
  const state = new Map<NodeId, "up" | "crashed" | "paused">();
  for (const id of nodeIds) {
    state.set(id, options.crashed?.has(id) ? "crashed" : options.paused?.has(id) ? "paused" : "up");
  }
  const scheduled = options.scheduled ?? [];
  const order = [...scheduled, ...faults].map((fault, index) => ({ fault, index }))
    .sort((a, b) => a.fault.atMs - b.fault.atMs || a.index - b.index);
  for (const { fault, index } of order) {
    const checked = index >= scheduled.length;
    const where = `faults[${index - scheduled.length}]`;
    const unknown = faultNodes(fault).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      if (checked) {
        problems.push(
          `${where}: no node ${unknown.map((id) => JSON.stringify(id)).join(", ")} ` +
            `(nodes: ${nodeIds.join(", ")})`,
        );
      }
      continue;
    }
    if (!("node" in fault) || fault.kind === "clock-jump") continue;
    const current = state.get(fault.node);
    const required = { crash: "up", restart: "crashed", pause: "up", resume: "paused" }[
      fault.kind
    ];
    if (current !== required && !(fault.kind === "crash" && current === "paused")) {
      if (checked) {
        problems.push(
          `${where}: cannot ${fault.kind} ${fault.node} at ${fault.atMs} ms: it is ${current}`,
        );
      }
      continue;
    }
    const next = { crash: "crashed", restart: "up", pause: "paused", resume: "up" } as const;
    state.set(fault.node, next[fault.kind]);
  }
  return problems;
}

/** The kinds of fault the nemesis can inject. */
export type NemesisFaultKind =
  | "partition"
  | "isolate"
  | "partition-one-way"
  | "crash"
  | "pause"
  | "clock-jump";

/** Most faults one generated schedule may hold (each becomes events of a run). */
export const MAX_NEMESIS_FAULTS = 100_000;

/** Zod schema of {@link NemesisOptions}. */
export const NemesisOptionsSchema = z.strictObject({
  /** Nodes the nemesis may hurt. */
  nodes: z.array(nodeIdField()).min(2, { error: "must name at least two nodes" }),
  /** Faults start from this time on (ms). Default 0. */
  startMs: nonNegativeMs().default(0),
  /** Every fault has ended (healed, restarted, resumed) by this time (ms). */
  endMs: positiveMs(),
  /** Mean quiet gap before each fault (ms, exponential). Default 1000. */
  meanGapMs: positiveMs().default(1000),
  /** Mean duration of each fault (ms, exponential). Default 1000. */
  meanDurationMs: positiveMs().default(1000),
  /** Which faults to draw from, equally likely. Default partitions, crashes and pauses. */
  kinds: z.array(
    z.enum(["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"]),
  ).min(1, { error: "must list at least one kind" })
    .default(["partition", "isolate", "crash", "pause"]),
  /** Largest clock step for `clock-jump` (ms, either direction). Default 1000. */
  maxClockJumpMs: positiveMs().default(1000),
  /** At most this many faults. Default unlimited (bounded by time). */
  maxFaults: integerAtLeast(0).max(MAX_NEMESIS_FAULTS, {
    error: `must be at most ${MAX_NEMESIS_FAULTS}`,
  }).optional(),
}).superRefine((options, context) => {
  // A schedule is held in memory and replayed event by event: refuse one that would
  // not fit rather than run out of memory drawing it.
  if (options.maxFaults !== undefined) return;
  const expected = (options.endMs - options.startMs) / (options.meanGapMs + options.meanDurationMs);
  if (expected > MAX_NEMESIS_FAULTS) {
    context.addIssue({
      code: "custom",
      path: ["endMs"],
      input: options.endMs,
      message: `would draw about ${Math.round(expected)} faults, more than the ` +
        `${MAX_NEMESIS_FAULTS} a schedule may hold; shorten the window, lengthen ` +
        "meanGapMs or meanDurationMs, or set maxFaults",
    });
  }
});

/** Settings of the nemesis. */
export type NemesisOptions = z.output<typeof NemesisOptionsSchema>;

/** What a user may write for {@link NemesisOptions}. */
export type NemesisOptionsInput = z.input<typeof NemesisOptionsSchema>;

/**
 * Generates a random fault schedule: quiet gap, fault, its end, quiet gap, fault, ...,
 * all drawn from `random`, with every fault over by `endMs` so a run can be checked for
 * recovery afterwards. The result is plain data: print it with {@link formatFaults},
 * save it, replay it.
 *
 * @example
 * ```ts
 * import { Random } from "./random.ts";
 *
 * const faults = generateNemesis(
 *   { nodes: ["n1", "n2", "n3"], endMs: 10_000 },
 *   new Random(7).child("nemesis"),
 * );
 * console.log(formatFaults(faults));
 * ```
 */
export function generateNemesis(options: NemesisOptionsInput, random: Random): Fault[] {
  const config = parseConfig(NemesisOptionsSchema, options, "nemesis");
  const faults: Fault[] = [];
  let time = config.startMs;
  let count = 0;
  const limit = config.maxFaults ?? MAX_NEMESIS_FAULTS;
  while (count < limit) {
    const start = time + random.exponential(config.meanGapMs);
    const end = start + Math.max(1, random.exponential(config.meanDurationMs));
    if (end >= config.endMs) break;
    const kind = random.pick(config.kinds);
    faults.push(...faultPair(kind, round(start), round(end), config, random));
    time = end;
    count++;
  }
  return faults;
}

function faultPair(
  kind: NemesisFaultKind,
  start: number,
  end: number,
  config: NemesisOptions,
  random: Random,
): Fault[] {
  const shuffled = random.shuffle(config.nodes);
  switch (kind) {
    case "partition": {
      const minority = shuffled.slice(0, Math.floor((shuffled.length - 1) / 2) || 1);
      const majority = shuffled.slice(minority.length);
      return [
        { atMs: start, kind: "partition", groups: [sorted(minority), sorted(majority)] },
        { atMs: end, kind: "heal" },
      ];
    }
    case "isolate": {
      const [alone, ...rest] = shuffled as [NodeId, ...NodeId[]];
      return [
        { atMs: start, kind: "partition", groups: [[alone], sorted(rest)] },
        { atMs: end, kind: "heal" },
      ];
    }
    case "partition-one-way": {
      const [from, ...rest] = shuffled as [NodeId, ...NodeId[]];
      return [
        { atMs: start, kind: "partition-one-way", from: [from], to: sorted(rest) },
        { atMs: end, kind: "heal" },
      ];
    }
    case "crash":
    case "pause": {
      const node = shuffled[0] as NodeId;
      const back = kind === "crash" ? "restart" : "resume";
      return [{ atMs: start, kind, node }, { atMs: end, kind: back, node }];
    }
    case "clock-jump": {
      const node = shuffled[0] as NodeId;
      const deltaMs = round(random.uniform(-config.maxClockJumpMs, config.maxClockJumpMs));
      return [{ atMs: start, kind: "clock-jump", node, deltaMs }];
    }
  }
}

function sorted(ids: readonly NodeId[]): NodeId[] {
  return [...ids].sort();
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
