/**
 * A key for what a figure's colour legend does not explain (shaded intervals, dropped
 * messages, highlighted events): a row of small drawn symbols, each with its words, placed
 * above the plot like Plot's own swatch legends.
 *
 * @module
 */
import { type DomElement, plotDocument } from "./dom.ts";

const SVG_NAMESPACE = "http://www.w3.org/2000/svg";

/** One SVG element of a symbol: its tag and attributes ("rect", { width: "15", ... }). */
export type KeyShape = readonly [tag: string, attributes: Readonly<Record<string, string>>];

/** One entry of a key: the shapes drawn in a square symbol, then its words. */
export interface KeyItem {
  /** What to draw, in a `sizePx` × `sizePx` box. */
  readonly shapes: readonly KeyShape[];
  /** What it means. */
  readonly text: string;
}

/** Options for {@link symbolKey}. */
export interface SymbolKeyOptions {
  /** The key's accessible name ("fault key"). */
  readonly label: string;
  /** Side of each symbol's box, in pixels. Default 15. */
  readonly sizePx?: number;
}

/**
 * A key as an HTML element: one inline item per entry, wrapping as needed.
 *
 * @example
 * ```ts
 * const key = symbolKey([{ shapes: [["circle", { cx: "7.5", cy: "7.5", r: "5" }]], text: "event" }], {
 *   label: "event key",
 * });
 * ```
 */
export function symbolKey(items: readonly KeyItem[], options: SymbolKeyOptions): DomElement {
  const size = String(options.sizePx ?? 15);
  const document = plotDocument();
  const key = document.createElement("div");
  key.setAttribute(
    "style",
    "display:flex;flex-wrap:wrap;align-items:center;gap:0 1em;min-height:22px;" +
      "font-family:system-ui,sans-serif;font-size:10px;margin-bottom:0.5em",
  );
  key.setAttribute("aria-label", options.label);
  for (const { shapes, text } of items) {
    const item = document.createElement("span");
    item.setAttribute("style", "display:inline-flex;align-items:center");
    const svg = document.createElementNS(SVG_NAMESPACE, "svg");
    svg.setAttribute("width", size);
    svg.setAttribute("height", size);
    svg.setAttribute("style", "margin-right:0.5em;overflow:visible");
    for (const [tag, attributes] of shapes) {
      const shape = document.createElementNS(SVG_NAMESPACE, tag);
      for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
      svg.append(shape);
    }
    item.append(svg, text);
    key.append(item);
  }
  return key;
}
