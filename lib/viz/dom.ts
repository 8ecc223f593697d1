/**
 * The DOM that figures are rendered into: one linkedom document shared by every plot,
 * created on first use. Observable Plot builds its SVG with this document, so figures
 * render the same way in the Jupyter kernel, in `deno test` and in scripts, with no
 * browser.
 *
 * linkedom has no `<canvas>`, which Plot needs for one thing: the colour ramp of a
 * continuous colour legend, drawn pixel by pixel and embedded as an image. The shared
 * document answers `createElement("canvas")` with a small raster that encodes itself as
 * a PNG data URL, so those legends render too, with no network and no script.
 *
 * @module
 */
import { parseHTML } from "linkedom";

/** The part of a DOM node the viz layer reads (linkedom implements it, as does a browser). */
export interface DomElement {
  /** The element's markup. */
  readonly outerHTML: string;
  /** The tag name ("svg", "figure", ...), upper case for HTML elements. */
  readonly tagName: string;
  /** Appends nodes or text. */
  append(...nodes: (DomElement | string)[]): void;
  /** Sets an attribute. */
  setAttribute(name: string, value: string): void;
  /** Reads an attribute. */
  getAttribute(name: string): string | null;
  /** The first descendant matching a CSS selector. */
  querySelector(selector: string): DomElement | null;
  /** Every descendant matching a CSS selector. */
  querySelectorAll(selector: string): Iterable<DomElement>;
  /** The element's text. */
  textContent: string | null;
}

/** The part of a DOM document the viz layer uses. */
export interface DomDocument {
  /** Creates an HTML element. */
  createElement(tagName: string): DomElement;
  /** Creates an element in a namespace (SVG). */
  createElementNS(namespace: string, qualifiedName: string): DomElement;
}

let shared: DomDocument | undefined;

/**
 * The document every figure is rendered with (created once, on first call). Pass it as
 * Plot's `document` option when calling Plot directly.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 *
 * const svg = Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" }).plot({ document: plotDocument() });
 * ```
 */
export function plotDocument(): DomDocument {
  if (shared === undefined) shared = createPlotDocument();
  return shared;
}

function createPlotDocument(): DomDocument {
  const window = parseHTML(
    "<!DOCTYPE html><html><head></head><body></body></html>",
  ) as unknown as { document: DomDocument };
  const document = window.document;
  const createElement = document.createElement.bind(document);
  // Only Plot's ramp legend asks for a canvas; everything else is ordinary markup.
  document.createElement = (tagName: string): DomElement => {
    if (tagName.toLowerCase() === "canvas") return new RasterCanvas() as unknown as DomElement;
    return createElement(tagName);
  };
  return document;
}

/**
 * A minimal stand-in for `<canvas>`: a width × height RGBA raster with `fillRect`, which
 * is all Plot's ramp legend draws with, and `toDataURL` as an uncompressed PNG.
 */
export class RasterCanvas {
  #width = 300;
  #height = 150;
  #pixels = new Uint8Array(300 * 150 * 4);
  readonly #context = new RasterContext(this);

  /** Width in pixels. */
  get width(): number {
    return this.#width;
  }
  set width(value: number) {
    this.#resize(value, this.#height);
  }

  /** Height in pixels. */
  get height(): number {
    return this.#height;
  }
  set height(value: number) {
    this.#resize(this.#width, value);
  }

  /** The drawing context; only "2d" exists. */
  getContext(type: string): RasterContext | null {
    return type === "2d" ? this.#context : null;
  }

  /** Fills a rectangle (clipped to the raster) with an RGBA colour. */
  fill(x: number, y: number, w: number, h: number, rgba: readonly number[]): void {
    const x0 = Math.max(0, Math.round(x)), x1 = Math.min(this.#width, Math.round(x + w));
    const y0 = Math.max(0, Math.round(y)), y1 = Math.min(this.#height, Math.round(y + h));
    for (let row = y0; row < y1; row++) {
      for (let col = x0; col < x1; col++) {
        this.#pixels.set(rgba, (row * this.#width + col) * 4);
      }
    }
  }

  /** The raster as a `data:image/png;base64,...` URL. */
  toDataURL(): string {
    return `data:image/png;base64,${
      encodeBase64(encodePng(this.#width, this.#height, this.#pixels))
    }`;
  }

  #resize(width: number, height: number): void {
    if (!Number.isInteger(width) || width < 0 || !Number.isInteger(height) || height < 0) {
      throw new RangeError(
        `Cannot size a canvas to ${width} × ${height}: sizes are whole numbers of pixels`,
      );
    }
    this.#width = width;
    this.#height = height;
    this.#pixels = new Uint8Array(width * height * 4);
  }
}

/** The 2d context of a {@link RasterCanvas}: `fillStyle` and `fillRect`. */
export class RasterContext {
  readonly #canvas: RasterCanvas;
  #style = "#000000";
  #rgba: readonly number[] = [0, 0, 0, 255];

  /** A context drawing on `canvas`. */
  constructor(canvas: RasterCanvas) {
    this.#canvas = canvas;
  }

  /** The fill colour: `#rgb`, `#rrggbb`, `rgb(r, g, b)` or `rgba(r, g, b, a)`. */
  get fillStyle(): string {
    return this.#style;
  }
  set fillStyle(value: string) {
    this.#rgba = parseColor(value);
    this.#style = value;
  }

  /** Fills a rectangle with the current fill colour. */
  fillRect(x: number, y: number, w: number, h: number): void {
    this.#canvas.fill(x, y, w, h, this.#rgba);
  }
}

/** Parses the colour strings d3 interpolators produce into [r, g, b, a] bytes. */
export function parseColor(value: string): number[] {
  const text = String(value).trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(text);
  if (hex !== null) {
    const digits = hex[1] as string;
    const full = digits.length === 3 ? [...digits].map((d) => d + d).join("") : digits;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)).concat(255);
  }
  const functional = /^rgba?\(([^)]*)\)$/.exec(text);
  if (functional !== null) {
    const parts = (functional[1] as string).split(/[\s,/]+/).filter((p) => p !== "");
    const numbers = parts.map(Number);
    if ((numbers.length === 3 || numbers.length === 4) && numbers.every(Number.isFinite)) {
      const [r, g, b, a = 1] = numbers as [number, number, number, number?];
      return [r, g, b, a * 255].map((c) => Math.max(0, Math.min(255, Math.round(c))));
    }
  }
  throw new TypeError(
    `Cannot draw the colour ramp with ${
      JSON.stringify(value)
    }: colours must be #rgb, #rrggbb, rgb() or rgba()`,
  );
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored (uncompressed) deflate blocks: tiny images need no compression. */
function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + blocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * 65535, Math.min(data.length, (i + 1) * 65535));
    out[at++] = i === blocks - 1 ? 1 : 0;
    out[at++] = chunk.length & 0xff;
    out[at++] = chunk.length >>> 8;
    out[at++] = ~chunk.length & 0xff;
    out[at++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, at);
    at += chunk.length;
  }
  new DataView(out.buffer).setUint32(at, adler32(data));
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(
      `Cannot encode a ${width} × ${height} PNG: expected ${
        width * height * 4
      } bytes of RGBA, got ${rgba.length}`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter, no interlace
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let row = 0; row < height; row++) {
    // Each scanline starts with its filter type, 0 (none).
    raw.set(rgba.subarray(row * width * 4, (row + 1) * width * 4), row * (1 + width * 4) + 1);
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", zlibStored(raw)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    png.set(part, at);
    at += part.length;
  }
  return png;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
