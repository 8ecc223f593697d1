/**
 * The charts chapters draw again and again: latency histograms, empirical CDFs with
 * percentile marks, and metric-versus-parameter lines with a band over seeds. Each takes
 * tidy rows and options, returns a {@link Figure}, and accepts any other Plot option
 * (title, width, color, ...) plus extra marks, so a reader can customise it.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { plotDocument } from "./dom.ts";
import { Figure, readableLogTicks } from "./figure.ts";
import {
  type Accessor,
  type BandKind,
  type BandRow,
  bandRows,
  ecdfRows,
  type GroupKey,
  groupValues,
  percentileName,
  quantileSorted,
} from "./stats.ts";

const LABEL_ROW_PX = 12;
const SINGLE_FILL = "#4269d0";

/** Plot options every chart accepts, besides its own. */
export interface ChartOptions extends Omit<Plot.PlotOptions, "x" | "y" | "marks" | "document"> {
  /** Label of the x axis. */
  readonly xLabel?: string;
  /** Label of the y axis. */
  readonly yLabel?: string;
  /** More options of the x scale (`{ type: "log" }`, `{ domain: [0, 100] }`, ...). */
  readonly xScale?: Plot.ScaleOptions;
  /** More options of the y scale. */
  readonly yScale?: Plot.ScaleOptions;
  /** Extra marks, drawn on top of the chart's own. */
  readonly marks?: readonly Plot.Markish[];
}

/** A percentile of one group, as drawn by {@link histogram} and {@link cdf}. */
export interface PercentileRow {
  /** The group (the `stroke` or `fill` value), or undefined for a single one. */
  readonly group: GroupKey;
  /** The level, between 0 and 1. */
  readonly q: number;
  /** Its name ("p99"). */
  readonly name: string;
  /** The value at that level. */
  readonly value: number;
  /** What hovering over its mark says. */
  readonly label: string;
}

/**
 * The given percentiles of x in each group of `stroke`.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const random = new Random(1);
 * const rows = Array.from({ length: 500 }, () => ({ latencyMs: 1 + random.exponential(4) }));
 * percentileRows(rows, { x: "latencyMs", percentiles: [0.5, 0.99] });
 * // [{ group: undefined, q: 0.5, name: "p50", value: 3.64..., label: "p50 = 3.644" }, { ..., name: "p99", ... }]
 * ```
 */
export function percentileRows<T>(
  rows: readonly T[],
  options: { x: Accessor<T>; stroke?: Accessor<T>; percentiles: readonly number[] },
): PercentileRow[] {
  const out: PercentileRow[] = [];
  for (const [group, values] of groupValues(rows, options.x, options.stroke, "mark percentiles")) {
    const sorted = Float64Array.from(values).sort();
    for (const q of options.percentiles) {
      const value = quantileSorted(sorted, q);
      const name = percentileName(q);
      const prefix = group === undefined ? "" : `${group}: `;
      out.push({ group, q, name, value, label: `${prefix}${name} = ${formatNumber(value)}` });
    }
  }
  return out;
}

/** Options of {@link histogram}. */
export interface HistogramOptions<T> extends ChartOptions {
  /** The measured value. */
  readonly x: Accessor<T>;
  /** One colour per distinct value of this; the histograms overlap (or stack). */
  readonly fill?: Accessor<T>;
  /** How many bins (Plot rounds to nice edges), or their edges. Default: Plot's choice. */
  readonly bins?: number | readonly number[];
  /** Stack the groups' bars instead of overlapping them. Default false. */
  readonly stack?: boolean;
  /** Draw a dashed rule at each of these percentiles (0.5 for the median), per group. */
  readonly percentiles?: readonly number[];
}

/**
 * A histogram of x: bars counting the rows in each bin, overlapping by `fill` group.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("a", (ctx) => ({
 *   start: () => Array.from({ length: 200 }, () => ctx.send("b", { type: "ping" })),
 *   onMessage: () => {},
 * }));
 * sim.addNode("b", () => ({ onMessage: () => {} }));
 * sim.runUntil(1_000);
 * histogram(sim.trace.messages(), { x: "latencyMs", bins: 40, percentiles: [0.5, 0.99] });
 * ```
 */
export function histogram<T>(rows: readonly T[], options: HistogramOptions<T>): Figure {
  const { x, fill, bins, stack = false, percentiles, ...chart } = options;
  const grouped = fill !== undefined;
  const binOptions = {
    x: channel(x),
    ...(grouped ? { fill: channel(fill) } : {}),
    ...(bins === undefined ? {} : { thresholds: typeof bins === "number" ? bins : [...bins] }),
  };
  const overlap = grouped && !stack;
  const rectOptions: Plot.BinXInputs<Plot.RectYOptions> = {
    ...binOptions,
    ...(overlap ? { fillOpacity: 0.55, mixBlendMode: "multiply" } : {}),
    insetLeft: 0.5,
    insetRight: 0.5,
    className: "viz-bar",
  };
  if (!grouped) rectOptions.fill = SINGLE_FILL;
  const bars = Plot.rectY(
    rows,
    Plot.binX(overlap ? { y2: "count" } : { y: "count" }, rectOptions),
  );
  const marks: Plot.Markish[] = [bars, Plot.ruleY([0])];
  const groups = grouped ? [...groupValues(rows, x, fill, "draw a histogram").keys()] : [];
  const marked = percentiles !== undefined && percentiles.length > 0;
  if (marked) {
    const levels = percentileRows(rows, { x, ...(grouped ? { stroke: fill } : {}), percentiles });
    marks.push(
      Plot.ruleX(levels, {
        x: "value",
        stroke: grouped ? "group" : "currentColor",
        strokeDasharray: "4,3",
        strokeWidth: 1.2,
        title: "label",
        className: "viz-percentile",
      }),
    );
    // One row of labels per group above the frame, so two groups' p50s never overprint.
    const labelRows = grouped ? groups : [undefined];
    labelRows.forEach((group, row) => {
      marks.push(
        Plot.text(levels.filter((level) => level.group === group), {
          x: "value",
          text: "name",
          frameAnchor: "top",
          lineAnchor: "bottom",
          dy: -4 - LABEL_ROW_PX * row,
          fill: grouped ? "group" : "currentColor",
          title: "label",
          className: "viz-percentile-label",
        }),
      );
    });
  }
  return chartFigure(chart, marks, {
    xLabel: typeof x === "string" ? x : undefined,
    yLabel: "count",
    legend: grouped,
    groups,
    marginTop: marked ? 22 + LABEL_ROW_PX * Math.max(1, groups.length) : undefined,
  });
}

/** Options of {@link cdf}. */
export interface CdfOptions<T> extends ChartOptions {
  /** The measured value. */
  readonly x: Accessor<T>;
  /** One curve per distinct value of this. */
  readonly stroke?: Accessor<T>;
  /**
   * Mark these levels (0.5, 0.99, ...): a dashed rule across the chart with its name,
   * and a dot where each curve crosses it (hover for the value).
   */
  readonly percentiles?: readonly number[];
  /** Most points per curve; see {@link ecdfRows}. Default 1000. */
  readonly maxPoints?: number;
}

/**
 * Empirical CDFs of x, one step line per `stroke` group: the fraction of rows at or
 * below each value. Reading across at 0.99 gives each group's p99.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const random = new Random(1);
 * const rows = ["fast", "slow"].flatMap((config) =>
 *   Array.from({ length: 200 }, () => ({ config, latencyMs: 1 + random.exponential(config === "fast" ? 2 : 20) }))
 * );
 * cdf(rows, { x: "latencyMs", stroke: "config", percentiles: [0.5, 0.99], xScale: { type: "log" } });
 * ```
 */
export function cdf<T>(rows: readonly T[], options: CdfOptions<T>): Figure {
  const { x, stroke, percentiles, maxPoints, ...chart } = options;
  const grouped = stroke !== undefined;
  const points = ecdfRows(rows, {
    x,
    ...(grouped ? { stroke } : {}),
    ...(maxPoints === undefined ? {} : { maxPoints }),
  });
  const marks: Plot.Markish[] = [
    Plot.line(points, {
      x: "value",
      y: "p",
      z: "group",
      stroke: grouped ? "group" : "currentColor",
      curve: "step-after",
      strokeWidth: 1.6,
      className: "viz-cdf",
    }),
  ];
  if (percentiles !== undefined && percentiles.length > 0) {
    const levels = percentileRows(rows, {
      x,
      ...(grouped ? { stroke } : {}),
      percentiles,
    });
    const names = [...new Map(levels.map((row) => [row.q, row])).values()];
    marks.push(
      Plot.ruleY(names, {
        y: "q",
        stroke: "currentColor",
        strokeOpacity: 0.45,
        strokeDasharray: "4,3",
        className: "viz-percentile",
      }),
      Plot.text(names, {
        y: "q",
        text: "name",
        frameAnchor: "left",
        textAnchor: "start",
        dx: 4,
        dy: -6,
        className: "viz-percentile-label",
      }),
      Plot.dot(levels, {
        x: "value",
        y: "q",
        r: 3.5,
        fill: grouped ? "group" : "currentColor",
        stroke: "white",
        title: "label",
        className: "viz-percentile-value",
      }),
    );
  }
  return chartFigure(chart, marks, {
    xLabel: typeof x === "string" ? x : undefined,
    yLabel: "fraction ≤ x",
    yScale: { domain: [0, 1], grid: true },
    legend: grouped,
    groups: uniqueGroups(points),
  });
}

/** Options of {@link sweepLines}. */
export interface SweepLinesOptions<T> extends ChartOptions {
  /** The parameter swept (a number or a category). */
  readonly x: Accessor<T>;
  /** The metric measured. */
  readonly y: Accessor<T>;
  /** One line per distinct value of this. */
  readonly stroke?: Accessor<T>;
  /** The band drawn around each mean line; see {@link BandKind}. Default "minmax". */
  readonly band?: BandKind | false;
  /** Draw a dot at each mean (hover for n, mean and band). Default true. */
  readonly dots?: boolean;
}

/**
 * A metric against a parameter, over several seeds: rows are grouped by x (and stroke),
 * and each group's mean is drawn as a line with a shaded band for the spread.
 *
 * @example
 * ```ts
 * const sweepRows = [0, 0.1, 0.2].flatMap((lossProbability) =>
 *   ["a", "b"].flatMap((protocol) =>
 *     [1, 2, 3].map((seed) => ({ lossProbability, protocol, seed, p99Ms: 10 + 100 * lossProbability + seed }))
 *   )
 * );
 * sweepLines(sweepRows, { x: "lossProbability", y: "p99Ms", stroke: "protocol", band: "ci95" });
 * ```
 */
export function sweepLines<T>(rows: readonly T[], options: SweepLinesOptions<T>): Figure {
  const { x, y, stroke, band = "minmax", dots = true, ...chart } = options;
  const grouped = stroke !== undefined;
  const summary = bandRows(rows, { x, y, band, ...(grouped ? { stroke } : {}) });
  const color = grouped ? "group" : "currentColor";
  const marks: Plot.Markish[] = [];
  if (band !== false) {
    marks.push(
      Plot.areaY(summary, {
        x: "x",
        y1: "lo",
        y2: "hi",
        z: "group",
        fill: color,
        fillOpacity: 0.18,
        className: "viz-band",
      }),
    );
  }
  marks.push(
    Plot.line(summary, {
      x: "x",
      y: "mean",
      z: "group",
      stroke: color,
      strokeWidth: 1.8,
      className: "viz-mean",
    }),
  );
  if (dots) {
    marks.push(
      Plot.dot(summary, {
        x: "x",
        y: "mean",
        fill: color,
        r: 2.5,
        title: (d: BandRow) => describeBand(d, band),
        className: "viz-mean-point",
      }),
    );
  }
  return chartFigure(chart, marks, {
    xLabel: typeof x === "string" ? x : undefined,
    yLabel: typeof y === "string" ? y : undefined,
    // Categories (protocol names) keep the order the rows gave them, not alphabetical.
    ...(summary.some((row) => typeof row.x === "string")
      ? { xScale: { type: "point" as const, domain: [...new Set(summary.map((row) => row.x))] } }
      : {}),
    yScale: { grid: true },
    legend: grouped,
    groups: uniqueGroups(summary),
  });
}

interface ChartDefaults {
  readonly xLabel: string | undefined;
  readonly yLabel: string | undefined;
  readonly xScale?: Plot.ScaleOptions;
  readonly yScale?: Plot.ScaleOptions;
  readonly legend: boolean;
  readonly groups: readonly GroupKey[];
  readonly marginTop?: number | undefined;
}

function chartFigure(
  chart: ChartOptions,
  marks: Plot.Markish[],
  defaults: ChartDefaults,
): Figure {
  const { xLabel, yLabel, xScale, yScale, marks: extra, color, ...rest } = chart;
  // Few numeric groups (3, 5, 7 nodes) read better as distinct colours than as a ramp.
  const categorical = defaults.groups.length > 0 && defaults.groups.length <= 10;
  const element = Plot.plot({
    ...(defaults.marginTop === undefined ? {} : { marginTop: defaults.marginTop }),
    ...rest,
    document: plotDocument(),
    x: readableLogTicks({ label: xLabel ?? defaults.xLabel, ...defaults.xScale, ...xScale }),
    y: readableLogTicks({ label: yLabel ?? defaults.yLabel, ...defaults.yScale, ...yScale }),
    color: {
      ...(categorical ? { type: "categorical" as const } : {}),
      legend: defaults.legend,
      ...color,
    },
    marks: [...marks, ...(extra ?? [])],
  });
  return new Figure(element);
}

function describeBand(row: BandRow, band: BandKind | false): string {
  const group = row.group === undefined ? "" : `${row.group}, `;
  const spread = band === false
    ? ""
    : `, ${band} ${formatNumber(row.lo)} to ${formatNumber(row.hi)}`;
  return `${group}x = ${row.x}: mean ${formatNumber(row.mean)} over ${row.n} run${
    row.n === 1 ? "" : "s"
  }${spread}`;
}

function uniqueGroups(rows: readonly { group: GroupKey }[]): GroupKey[] {
  return [...new Set(rows.map((row) => row.group))].filter((g) => g !== undefined);
}

/** A Plot channel from an accessor (Plot calls functions with (row, index) too). */
function channel<T>(accessor: Accessor<T>): Plot.ChannelValue {
  return accessor as Plot.ChannelValue;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
