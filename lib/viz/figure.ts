/**
 * Figures: Observable Plot charts rendered to static markup that shows inline in the
 * Deno Jupyter kernel, stays plain SVG in exported HTML (no script, no network) and is a
 * string a test can assert on.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { type DomElement, plotDocument } from "./dom.ts";
import { displayNow, displayWhenFlushed, inspectValue, outputsSent } from "./jupyter.ts";

/** The MIME bundle a {@link Figure} hands to Jupyter. */
export interface FigureBundle {
  /** The figure's markup. */
  readonly "text/html": string;
  /** A one-line description for consoles that cannot show HTML. */
  readonly "text/plain": string;
  /** Other MIME types. */
  readonly [mime: string]: string;
}

// Plot numbers clip paths, patterns and markers from process-wide counters, so the same
// chart drawn twice would differ. Ids are renamed after a hash of the markup instead:
// equal figures get equal bytes, and two different figures on one page never share an id.
const PLOT_ID = /plot-(clip|pattern|marker)-\d+/g;

/**
 * A rendered chart. Show it in a notebook with `await show(figure)` (see {@link show});
 * read `.html` for its markup.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 *
 * const figure = plot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] });
 * figure.html.startsWith("<svg"); // true
 * await show(figure); // in a notebook: the chart, inline
 * ```
 */
export class Figure {
  readonly #element: DomElement;

  /** Wraps a rendered `<svg>` or `<figure>` element (what `Plot.plot` returns). */
  constructor(element: DomElement) {
    if (element === null || typeof element !== "object" || !("outerHTML" in element)) {
      throw new TypeError("Cannot make a figure: expected a rendered DOM element");
    }
    this.#element = element;
  }

  /** The rendered element, for readers who want to inspect or extend it. */
  get element(): DomElement {
    return this.#element;
  }

  /**
   * The figure's markup: an `<svg>`, or a `<figure>` holding the `<svg>` with its title,
   * legends and caption. The same chart always gives the same string. It is read from
   * the element each time, so changes made through {@link Figure.element} show.
   */
  get html(): string {
    return stableMarkup(roundGeometry(this.#element.outerHTML));
  }

  /** The same markup as {@link Figure.html} (inline SVG, as an HTML page embeds it). */
  get svg(): string {
    return this.html;
  }

  /** The markup. */
  toString(): string {
    return this.html;
  }

  /** The MIME bundle Jupyter shows: the markup as HTML, with a one-line text fallback. */
  bundle(): FigureBundle {
    return { "text/html": this.html, "text/plain": describeFigure(this.#element) };
  }

  /**
   * What Jupyter shows when the figure is a cell's value: {@link Figure.bundle}, handed
   * over once the kernel has sent what the cell queued (see `displayWhenFlushed`).
   */
  [Symbol.for("Jupyter.display")](): FigureBundle | Promise<FigureBundle> {
    return displayWhenFlushed(this.bundle());
  }
}

/**
 * Renders Plot options to a {@link Figure} with the shared document; every Plot option
 * works as in `Plot.plot`.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 *
 * const rows = [{ latencyMs: 3 }, { latencyMs: 5 }, { latencyMs: 4 }, { latencyMs: 12 }];
 * plot({
 *   title: "Delivery latency",
 *   marks: [Plot.rectY(rows, Plot.binX({ y: "count" }, { x: "latencyMs" }))],
 * });
 * ```
 */
export function plot(options: Plot.PlotOptions): Figure {
  const scales = {
    ...(options.x === undefined ? {} : { x: readableLogTicks(options.x) }),
    ...(options.y === undefined ? {} : { y: readableLogTicks(options.y) }),
  };
  return new Figure(
    Plot.plot({ ...options, ...scales, document: plotDocument() }) as DomElement,
  );
}

/**
 * A scale's options with plain-number tick labels when it is logarithmic and names no
 * tick format of its own. Plot labels a log axis with SI prefixes ("200m" for 0.2,
 * "2k" for 2000), which on an axis of milliseconds reads as minutes or metres; this keeps
 * Plot's choice of which ticks to label and writes them as 0.2 and 2,000.
 *
 * @example
 * ```ts
 * readableLogTicks({ type: "log" }); // { type: "log", tickFormat: ",~g" }
 * ```
 */
export function readableLogTicks(scale: Plot.ScaleOptions): Plot.ScaleOptions {
  return scale.type === "log" && scale.tickFormat === undefined
    ? { ...scale, tickFormat: ",~g" }
    : scale;
}

/**
 * Renders a standalone Plot legend to a {@link Figure}.
 *
 * @example
 * ```ts
 * legend({ color: { domain: ["leader", "follower"] } });
 * ```
 */
export function legend(options: Plot.LegendScales): Figure {
  // Plot reads `document` from a legend's options, though its types do not list it.
  const withDocument = { ...options, document: plotDocument() } as Plot.LegendScales;
  let element: DomElement | undefined;
  try {
    element = Plot.legend(withDocument) as DomElement | undefined;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Cannot draw a legend: ${why}`, { cause: error });
  }
  if (element === undefined) {
    throw new TypeError("Cannot draw a legend: the options name no color, opacity or symbol scale");
  }
  return new Figure(element);
}

/**
 * Anything {@link show} can display: a figure, markup, an object with an `html` string, an
 * object with its own Jupyter display (a method under `Symbol.for("Jupyter.display")`
 * returning a MIME bundle), or any other object, shown as its plain-text inspection.
 * `Symbol.for` keys cannot be typed, so objects are accepted here and checked when shown.
 */
export type Showable = Figure | string | object;

const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/**
 * Displays something now, when running in the Deno Jupyter kernel: a figure, markup, any
 * object with its own Jupyter display (a table, a checked claim, an exercise result), or
 * any other value, formatted as a cell's value would be. It resolves once the kernel has
 * had time to send the output with this cell (see `outputsSent` in jupyter.ts), and to
 * nothing, so `await show(figure)` can end a cell: the kernel queues a cell's value only
 * after the cell's code has finished, at times sends it after it has reported the cell
 * finished, and a front end then drops it or files it under the next cell. In an exported
 * page's Try it cell it shows under the cell; elsewhere (tests, scripts) it shows nothing;
 * {@link markupOf} gives the markup instead.
 *
 * @example
 * ```ts
 * import { histogram } from "./charts.ts";
 *
 * const runWith = (loss: number) => [1, 2, 3, 4].map((ms) => ({ latencyMs: ms * (1 + 10 * loss) }));
 * for (const loss of [0, 0.1, 0.3]) await show(histogram(runWith(loss), { x: "latencyMs" }));
 * // in a notebook: three charts in one cell, each sent before the cell finishes
 * ```
 */
export async function show(item: Showable): Promise<void> {
  const bundle = await displayBundle(item);
  await displayNow(bundle);
}

/**
 * Prints text like `console.log`, and resolves once the kernel has had time to send it with
 * this cell. A cell that ends with `console.log` has its text sent after the cell reports it
 * has finished now and then; ending it with `await print(...)` keeps the text with its cell.
 * Outside the kernel it is `console.log`.
 *
 * @example
 * ```ts
 * await print("3 runs, 0 failures");
 * ```
 */
export async function print(...values: unknown[]): Promise<void> {
  console.log(...values);
  await outputsSent();
}

/**
 * The markup {@link show} displays for `item`: its HTML or, failing that, its plain text.
 * For scripts and tests, which have no notebook to show it in.
 *
 * @example
 * ```ts
 * (await markupOf("<b>hi</b>")) === "<b>hi</b>"; // true
 * ```
 */
export async function markupOf(item: Showable): Promise<string> {
  const bundle = await displayBundle(item);
  return bundle["text/html"] ?? bundle["text/plain"] ?? "";
}

/** The MIME bundle `show` sends for `item`. */
function displayBundle(item: Showable): Record<string, string> | Promise<Record<string, string>> {
  if (item instanceof Figure) return item.bundle();
  if (typeof item === "string") return { "text/html": item, "text/plain": "Figure" };
  if (item !== null && typeof item === "object") {
    const display = (item as Record<symbol, unknown>)[JUPYTER_DISPLAY];
    if (typeof display === "function") {
      return display.call(item) as Record<string, string> | Promise<Record<string, string>>;
    }
    const html = (item as { html?: unknown }).html;
    if (typeof html === "string") return { "text/html": html, "text/plain": "Figure" };
  }
  return { "text/plain": inspectValue(item) };
}

const GEOMETRY = /\s(d|transform|points|x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"]*)"/g;
const LONG_DECIMAL = /-?\d*\.\d{3,}(?:e[-+]?\d+)?/gi;

/**
 * Rounds the coordinates in geometry attributes to hundredths of a pixel. Plot writes
 * full doubles ("80.04498526264197"); a hundredth is invisible and the markup of a busy
 * diagram shrinks by about a third.
 */
export function roundGeometry(markup: string): string {
  return markup.replace(GEOMETRY, (_, name: string, value: string) => {
    const rounded = value.replace(LONG_DECIMAL, (n) => String(Math.round(Number(n) * 100) / 100));
    return ` ${name}="${rounded}"`;
  });
}

/** Makes Plot's counter-numbered ids depend on the figure's content only. */
export function stableMarkup(markup: string): string {
  if (markup.search(PLOT_ID) === -1) return markup;
  const renamed = new Map<string, string>();
  const perKind = new Map<string, number>();
  const placeholder = markup.replace(PLOT_ID, (id, kind: string) => {
    let name = renamed.get(id);
    if (name === undefined) {
      const n = (perKind.get(kind) ?? 0) + 1;
      perKind.set(kind, n);
      name = `${kind}-${n}`;
      renamed.set(id, name);
    }
    return `plot-${name}`;
  });
  const prefix = hash32(placeholder);
  return placeholder.replace(/plot-(clip|pattern|marker)-(\d+)/g, `plot-$1-${prefix}-$2`);
}

function hash32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function describeFigure(element: DomElement): string {
  // The chart is the largest svg; legends are small ones beside it.
  const svgs = element.tagName.toLowerCase() === "svg"
    ? [element]
    : [...element.querySelectorAll("svg")];
  let size = "", largest = 0;
  for (const svg of svgs) {
    const width = Number(svg.getAttribute("width")), height = Number(svg.getAttribute("height"));
    if (width * height > largest) {
      largest = width * height;
      size = ` ${width}×${height}`;
    }
  }
  const title = element.querySelector("h2")?.textContent;
  return `Figure${size}${title ? `: ${title}` : ""}`;
}
