/**
 * The figures of CAP measured: where each store lands between availability and
 * linearizability, and one run's requests drawn on a timeline, the fault shaded, each
 * request coloured by what came back (an answer, a stale answer, nothing).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { Figure } from "../viz/figure.ts";
import { plot } from "../viz/figure.ts";
import type { CapPartitionRow, CapRequest, CapSystem } from "./cap_partition.ts";

/** One store under one fault, summarised over seeds. */
export type CapSummaryRow = {
  /** The store. */
  readonly store: string;
  /** The fault. */
  readonly fault: string;
  /** Seeds. */
  readonly seeds: number;
  /** Mean availability on the minority side. */
  readonly availabilityMinority: number;
  /** Mean availability on the majority side. */
  readonly availabilityMajority: number;
  /** Fraction of seeds whose history is linearizable. */
  readonly linearizableFraction: number;
};

/**
 * Rows of `cap-partition` grouped by store and fault: mean availability on each side and
 * the fraction of seeds whose history is linearizable.
 *
 * @example
 * ```ts
 * import { capPartition, sweep } from "../experiments/mod.ts";
 *
 * capSummary(sweep(capPartition, { grid: { store: ["raft-kv", "lww-kv"] }, seeds: 5 }));
 * ```
 */
export function capSummary(rows: readonly CapPartitionRow[]): CapSummaryRow[] {
  const groups = new Map<string, CapPartitionRow[]>();
  for (const row of rows) {
    const key = `${row.store}\u0000${row.fault}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [row]);
    else list.push(row);
  }
  const mean = (values: readonly (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length === 0 ? NaN : known.reduce((a, b) => a + b, 0) / known.length;
  };
  return [...groups.values()].map((list) => ({
    store: list[0]!.store,
    fault: list[0]!.fault,
    seeds: list.length,
    availabilityMinority: mean(list.map((r) => r.availabilityMinority)),
    availabilityMajority: mean(list.map((r) => r.availabilityMajority)),
    linearizableFraction: list.filter((r) => r.linearizable === true).length / list.length,
  }));
}

/**
 * Each store as a point: x, availability on the minority side (Gilbert and Lynch's A is
 * about every non-failed node, so the worse side is the one that counts); y, the
 * fraction of seeds whose history is linearizable (their C). A CP store sits top left,
 * an AP store bottom right; no store reaches the top right corner during a partition.
 * The corner is shaded and labelled "C and A"; a title says how to read the axes unless
 * `options` gives another.
 */
export function capTradeoffPlot(
  summary: readonly CapSummaryRow[],
  options: CapTradeoffPlotOptions = {},
): Figure {
  const points = summary.map((row) => ({
    ...row,
    label: summary.length > 0 && summary.every((r) => r.fault === row.fault)
      ? row.store
      : `${row.store} (${row.fault})`,
    title: `${row.store}, ${row.fault}: minority side answered ${
      (100 * row.availabilityMinority).toFixed(0)
    }%, majority ${(100 * row.availabilityMajority).toFixed(0)}%; linearizable in ${
      (100 * row.linearizableFraction).toFixed(0)
    }% of ${row.seeds} seeds`,
  }));
  const faults = [...new Set(summary.map((row) => row.fault))].sort().reverse();
  return plot({
    title: options.title ?? "Each store during the fault: availability against consistency",
    subtitle: options.subtitle ??
      "Minority side's answered requests (A) and seeds with a linearizable history (C)",
    width: 560,
    height: 360,
    marginRight: 120,
    marginLeft: 50,
    grid: true,
    x: { domain: [-0.05, 1.05], label: "availability on the minority side (%) →", tickFormat: pct },
    y: { domain: [-0.05, 1.05], label: "↑ seeds linearizable (%)", tickFormat: pct },
    color: {
      legend: faults.length > 1,
      domain: faults,
      range: faults.map((f) => f === "partition" ? "#d62728" : "#7f7f7f"),
    },
    symbol: { domain: faults, range: faults.map((f) => f === "partition" ? "circle" : "square") },
    marks: [
      Plot.rect([{}], {
        x1: 0.9,
        x2: 1.05,
        y1: 0.9,
        y2: 1.05,
        fill: "#2ca02c",
        fillOpacity: 0.08,
      }),
      Plot.text([{ x: 0.975, y: 1.05, label: "C and A" }], {
        x: "x",
        y: "y",
        text: "label",
        dy: 8,
        fontSize: 10,
        fill: "#2ca02c",
      }),
      Plot.dot(points, {
        x: "availabilityMinority",
        y: "linearizableFraction",
        stroke: "fault",
        fill: "fault",
        symbol: "fault",
        r: 6,
        title: "title",
      }),
      Plot.text(mergeLabels(points), {
        x: "availabilityMinority",
        y: "linearizableFraction",
        text: "label",
        textAnchor: "start",
        dx: 9,
        fontSize: 11,
      }),
    ],
  });
}

/** Options of {@link capTradeoffPlot}. */
export interface CapTradeoffPlotOptions {
  /** The figure's title. Default: what the axes show. */
  readonly title?: string;
  /** The line under the title. Default: which side and which measure each axis is. */
  readonly subtitle?: string;
}

const pct = (x: number) => (100 * x).toFixed(0);

/** Points that fall on one spot (within 3%) share one label, a line per point. */
function mergeLabels<
  T extends { availabilityMinority: number; linearizableFraction: number; label: string },
>(
  points: readonly T[],
): { availabilityMinority: number; linearizableFraction: number; label: string }[] {
  const merged: { availabilityMinority: number; linearizableFraction: number; label: string }[] =
    [];
  for (const point of points) {
    const near = merged.find((m) =>
      Math.abs(m.availabilityMinority - point.availabilityMinority) < 0.03 &&
      Math.abs(m.linearizableFraction - point.linearizableFraction) < 0.03
    );
    if (near === undefined) {
      merged.push({
        availabilityMinority: point.availabilityMinority,
        linearizableFraction: point.linearizableFraction,
        label: point.label,
      });
    } else near.label += `\n${point.label}`;
  }
  return merged;
}

/** A request of one run, ready to draw: its bar, its row, what came back. */
export type CapRequestBar = {
  /** The client. */
  readonly client: string;
  /** The client's row label ("c1 (minority)"). */
  readonly row: string;
  /** When it was issued, in ms. */
  readonly startMs: number;
  /** When it ended, in ms. */
  readonly endMs: number;
  /** `answered`, `stale` (a read that returned an overwritten value) or `no answer`. */
  readonly outcome: "answered" | "stale" | "no answer";
  /** What it was ("read k1 → 7", "write k2 := 9"). */
  readonly label: string;
};

/** What {@link staleReads} reads of a request. */
export type StaleReadInput = Pick<
  CapRequest,
  "f" | "key" | "value" | "issuedMs" | "completedMs" | "status"
>;

/**
 * Marks the reads that returned a value provably old. A read R returning the value of
 * write W is stale when, before R began, the system had already shown a strictly newer
 * write X of the same key (X began after W ended): either X itself had completed, or
 * another read had completed returning X's value. No linearizable history has such a
 * read: X precedes R in real time, W precedes X, so R must come after a write that
 * overwrote what it returns. With every value written once this is a sound witness, not
 * a complete one; the checker decides the rest. A read of "nothing yet" (null) is stale
 * once any write has been shown.
 */
export function staleReads<T extends StaleReadInput>(requests: readonly T[]): Set<T> {
  const stale = new Set<T>();
  const writeOf = new Map<string, T>();
  for (const r of requests) if (r.f === "write") writeOf.set(`${r.key}\u0000${r.value}`, r);
  const source = (r: T) =>
    r.f === "write" ? r : r.value === null ? undefined : writeOf.get(`${r.key}\u0000${r.value}`);
  // What each key's answered requests showed, and when: the write they show.
  const shown = requests.filter((r) => r.status === "ok" && source(r) !== undefined);
  for (const read of requests) {
    if (read.f !== "read" || read.status !== "ok") continue;
    const own = source(read);
    const newer = shown.some((seen) => {
      if (seen === read || seen.key !== read.key || seen.completedMs >= read.issuedMs) return false;
      const x = source(seen)!;
      return x !== own && (own === undefined || own.completedMs < x.issuedMs);
    });
    if (newer) stale.add(read);
  }
  return stale;
}

/** The requests of one run as bars, in order of issue. */
export function capRequestBars(system: CapSystem): CapRequestBar[] {
  const stale = staleReads(system.requests);
  return [...system.requests].sort((a, b) => a.issuedMs - b.issuedMs).map((r) => ({
    client: r.client,
    row: `${r.client} (${r.side})`,
    startMs: r.issuedMs,
    endMs: r.completedMs,
    outcome: r.status !== "ok" ? "no answer" : stale.has(r) ? "stale" : "answered",
    label: r.f === "read"
      ? `read ${r.key} → ${r.status === "ok" ? String(r.value) : "?"}`
      : `write ${r.key} := ${r.value}`,
  }));
}

/** Options of {@link capTimelinePlot}. */
export interface CapTimelineOptions {
  /** The title above the figure. */
  readonly title?: string;
  /** Width in px. Default 720. */
  readonly width?: number;
}

/**
 * One run's requests on a timeline, a row per client (minority side on top), the fault
 * shaded: green bars were answered, orange ones answered with an overwritten value, grey
 * ones got no answer before the client gave up.
 */
export function capTimelinePlot(system: CapSystem, options: CapTimelineOptions = {}): Figure {
  const bars = capRequestBars(system);
  const p = system.params;
  const rows = system.clients.map((c) => `${c} (${system.sideOf(c)})`);
  const startMs = p.faultStartMs, endMs = p.faultStartMs + p.faultDurationMs;
  const width = options.width ?? 720;
  const lastMs = Math.max(endMs, ...bars.map((b) => b.endMs));
  const minMs = 2 * lastMs / width;
  return plot({
    width,
    height: 60 + 34 * rows.length,
    marginLeft: 110,
    ...(options.title === undefined ? {} : { title: options.title }),
    x: { label: "time (ms) →" },
    y: { domain: rows, label: null },
    color: {
      legend: true,
      domain: ["answered", "stale", "no answer"],
      range: ["#2ca02c", "#ff7f0e", "#9e9e9e"],
    },
    marks: [
      Plot.rectX([{}], {
        x1: startMs,
        x2: endMs,
        fill: "#d62728",
        fillOpacity: 0.07,
      }),
      Plot.text([{ x: (startMs + endMs) / 2 }], {
        x: "x",
        frameAnchor: "top",
        dy: 2,
        text: () => p.fault === "partition" ? "partition" : "minority crashed",
        fill: "#d62728",
        fontSize: 10,
      }),
      Plot.barX(bars, {
        x1: "startMs",
        // A request answered in a few ms still shows as a sliver.
        x2: (d: CapRequestBar) => Math.max(d.endMs, d.startMs + minMs),
        y: "row",
        fill: "outcome",
        insetTop: 5,
        insetBottom: 5,
        title: "label",
      }),
    ],
  });
}
