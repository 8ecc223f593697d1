import { inspectValue as inspectInPage } from "../../web/host/jupyter.ts";
import assert from "node:assert/strict";
import { plotDocument } from "../../lib/viz/dom.ts";
import { roundGeometry, stableMarkup } from "../../lib/viz/figure.ts";
import { Figure, legend, markupOf, Plot, plot, print, show } from "../../lib/viz/mod.ts";
import { encodePng, parseColor, RasterCanvas } from "../../lib/viz/dom.ts";
import { count, select } from "./helpers.ts";

const points = [{ x: 1, y: 2, c: 0.1 }, { x: 3, y: 5, c: 0.7 }, { x: 4, y: 1, c: 0.9 }];

function decodeDataUrl(url: string): Uint8Array {
  const base64 = url.replace(/^data:image\/png;base64,/, "");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

Deno.test("plot renders Plot options to an <svg> figure", () => {
  const figure = plot({ marks: [Plot.dot(points, { x: "x", y: "y" })] });
  assert.ok(figure instanceof Figure);
  assert.ok(figure.html.startsWith("<svg"));
  assert.equal(count(figure.html, "circle"), 3);
  assert.equal(figure.svg, figure.html);
  assert.equal(String(figure), figure.html);
  assert.equal(`${figure}`, figure.html);
});

Deno.test("plot wraps legends and titles in a <figure> that holds the <svg>", () => {
  const figure = plot({
    title: "Three points",
    marks: [
      Plot.dot(points, { x: "x", y: "y", fill: (d: { y: number }) => d.y > 1 ? "hi" : "lo" }),
    ],
    color: { legend: true },
  });
  assert.ok(figure.html.startsWith("<figure"));
  assert.equal(count(figure.html, "figure > h2"), 1);
  assert.equal(count(figure.html, "figure > svg"), 1);
  assert.ok(figure.html.includes("hi") && figure.html.includes("lo"));
});

Deno.test("Figure display bundle gives Jupyter text/html with the svg", () => {
  const figure = plot({ title: "Bundle", marks: [Plot.dot(points, { x: "x", y: "y" })] });
  const display = (figure as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  assert.equal(typeof display, "function");
  const bundle = display!.call(figure);
  assert.ok(bundle["text/html"]?.includes("<svg"));
  assert.equal(bundle["text/html"], figure.html);
  assert.equal(bundle["text/plain"], "Figure 640×400: Bundle");
});

Deno.test("Figure keeps Plot's inline CSS", () => {
  const html = plot({ marks: [Plot.dot(points, { x: "x", y: "y" })] }).html;
  const [style] = select(html, "svg > style");
  assert.match(style?.textContent ?? "", /:where\(\.plot-d6a7b5\) \{/);
  assert.match(style?.textContent ?? "", /max-width: 100%/);
});

Deno.test("plot markup is deterministic even with clip paths Plot numbers globally", () => {
  const draw = () =>
    plot({ marks: [Plot.dot(points, { x: "x", y: "y", clip: true })], x: { domain: [0, 2] } });
  const a = draw().html, b = draw().html;
  assert.equal(a, b);
  const ids = a.match(/id="(plot-clip-[^"]+)"/g) ?? [];
  assert.equal(ids.length, 1);
  assert.ok(a.includes('clip-path="url(#plot-clip-'));
  const other = plot({ marks: [Plot.dot(points, { x: "y", y: "x", clip: true })] }).html;
  const otherIds = other.match(/id="(plot-clip-[^"]+)"/g) ?? [];
  assert.notDeepEqual(otherIds, ids, "different figures on one page must not share clip ids");
});

Deno.test("stableMarkup renames ids consistently and leaves other markup alone", () => {
  const markup = '<clipPath id="plot-clip-7"></clipPath><g clip-path="url(#plot-clip-7)"></g>' +
    '<marker id="plot-marker-12"></marker><path marker-end="url(#plot-marker-12)"/>';
  const stable = stableMarkup(markup);
  const [clip] = stable.match(/plot-clip-[0-9a-f]{8}-1/) ?? [];
  const [marker] = stable.match(/plot-marker-[0-9a-f]{8}-1/) ?? [];
  assert.ok(clip && marker);
  assert.equal(stable.split(clip).length - 1, 2);
  assert.equal(stable.split(marker).length - 1, 2);
  assert.equal(stableMarkup(markup.replaceAll("-7", "-99")), stable);
  assert.equal(stableMarkup("<svg></svg>"), "<svg></svg>");
});

Deno.test("roundGeometry rounds coordinates to hundredths and leaves text alone", () => {
  const markup = '<path d="M58.37377519839534,96L-0.0001,40.125" transform="translate(1.006,2)">' +
    "<title>x=1.23456 at 7.706 ms</title></path>";
  assert.equal(
    roundGeometry(markup),
    '<path d="M58.37,96L0,40.13" transform="translate(1.01,2)">' +
      "<title>x=1.23456 at 7.706 ms</title></path>",
  );
  const html = plot({ marks: [Plot.line(points, { x: (d) => d.x / 3, y: "y" })] }).html;
  for (const path of select(html, "path")) {
    assert.ok(!/\.\d{3}/.test(path.getAttribute("d") ?? ""), path.getAttribute("d") ?? "");
  }
});

Deno.test("plot markup has no script and no http resource", () => {
  const html = plot({
    title: "t",
    marks: [Plot.line(points, { x: "x", y: "y", marker: true })],
    color: { legend: true },
  }).html;
  assert.ok(!/<script/i.test(html));
  assert.ok(!html.includes("http"));
});

Deno.test("plot draws a continuous colour legend (ramp) without a canvas", () => {
  const figure = plot({
    marks: [Plot.dot(points, { x: "x", y: "y", fill: "c" })],
    color: { legend: true },
  });
  const [image] = select(figure.html, "figure > svg image");
  const href = image?.getAttribute("href") ?? "";
  assert.match(href, /^data:image\/png;base64,/);
  const png = decodeDataUrl(href);
  assert.deepEqual([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer);
  assert.equal(view.getUint32(16), 256, "Plot's ramp is 256 pixels wide");
  assert.equal(view.getUint32(20), 1);
  assert.ok(!figure.html.includes("http"));
  assert.equal(
    figure.html,
    plot({
      marks: [Plot.dot(points, { x: "x", y: "y", fill: "c" })],
      color: { legend: true },
    }).html,
  );
});

Deno.test("RasterCanvas paints fillRect pixels into its PNG", () => {
  const canvas = new RasterCanvas();
  canvas.width = 2;
  canvas.height = 1;
  const context = canvas.getContext("2d")!;
  context.fillStyle = "rgb(255, 0, 0)";
  context.fillRect(0, 0, 1, 1);
  context.fillStyle = "#00f";
  context.fillRect(1, 0, 1, 1);
  const png = decodeDataUrl(canvas.toDataURL());
  // The IDAT holds one stored deflate block: filter byte then RGBA pixels.
  const at = png.findIndex((_, i) =>
    png[i] === 0x49 && png[i + 1] === 0x44 && png[i + 2] === 0x41 && png[i + 3] === 0x54
  );
  const pixels = png.slice(at + 4 + 2 + 5, at + 4 + 2 + 5 + 9);
  assert.deepEqual([...pixels], [0, 255, 0, 0, 255, 0, 0, 255, 255]);
  assert.equal(canvas.getContext("webgl"), null);
});

Deno.test("encodePng writes a valid CRC for each chunk", () => {
  const png = encodePng(1, 1, new Uint8Array([1, 2, 3, 4]));
  // IEND's CRC is a fixed, well-known value.
  assert.deepEqual([...png.slice(-4)], [0xae, 0x42, 0x60, 0x82]);
  assert.throws(() => encodePng(2, 2, new Uint8Array(4)), RangeError);
});

Deno.test("parseColor reads the colours d3 interpolators produce, and says so otherwise", () => {
  assert.deepEqual(parseColor("rgb(68, 1, 84)"), [68, 1, 84, 255]);
  assert.deepEqual(parseColor("rgba(10, 20, 30, 0.5)"), [10, 20, 30, 128]);
  assert.deepEqual(parseColor("#abc"), [0xaa, 0xbb, 0xcc, 255]);
  assert.deepEqual(parseColor("#102030"), [16, 32, 48, 255]);
  assert.throws(() => parseColor("steelblue"), /Cannot draw the colour ramp with "steelblue"/);
});

Deno.test("plotDocument is created once and shared", () => {
  assert.equal(plotDocument(), plotDocument());
});

Deno.test("legend renders a standalone legend figure", () => {
  const figure = legend({ color: { domain: ["leader", "follower"] } });
  assert.ok(figure.html.includes("leader") && figure.html.includes("follower"));
  assert.throws(() => legend({}), /Cannot draw a legend/);
});

Deno.test("show resolves to nothing and shows nothing outside the kernel", async () => {
  const figure = plot({ marks: [Plot.dot(points, { x: "x", y: "y" })] });
  assert.equal(await show(figure), undefined);
  assert.equal(await show("<b>hi</b>"), undefined);
  assert.equal(await show({ n: 1 }), undefined);
});

Deno.test("show never throws where there is no Deno at all (a browser page)", async () => {
  const deno = Object.getOwnPropertyDescriptor(globalThis, "Deno")!;
  const figure = plot({ marks: [Plot.dot(points, { x: "x", y: "y" })] });
  Reflect.deleteProperty(globalThis, "Deno");
  try {
    assert.equal("Deno" in globalThis, false);
    assert.equal(await show(figure), undefined);
  } finally {
    Object.defineProperty(globalThis, "Deno", deno);
  }
});

Deno.test("a browser page shows a plain value as Deno's console would (it has no Deno.inspect)", () => {
  assert.equal(inspectInPage({ n: 1 }), "{ n: 1 }");
  assert.equal(inspectInPage(undefined), "undefined");
});

Deno.test("markupOf gives the markup show displays", async () => {
  const figure = plot({ marks: [Plot.dot(points, { x: "x", y: "y" })] });
  assert.equal(await markupOf(figure), figure.html);
  assert.equal(await markupOf("<b>hi</b>"), "<b>hi</b>");
});

Deno.test("markupOf uses an object's own Jupyter display, else its inspection", async () => {
  const table = {
    [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<table></table>", "text/plain": "t" }),
  };
  assert.equal(await markupOf(table), "<table></table>");
  const textOnly = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "only text" }) };
  assert.equal(await markupOf(textOnly), "only text");
  assert.equal(await markupOf({ html: "<i>x</i>" }), "<i>x</i>");
  assert.equal(await markupOf({ a: 1 }), Deno.inspect({ a: 1 }));
});

Deno.test("Figure refuses what is not a rendered element", () => {
  assert.throws(() => new Figure("<svg>" as never), /Cannot make a figure/);
});

Deno.test("plot labels a log axis with plain numbers, not SI prefixes", () => {
  const rows = [{ x: 0.15, y: 1 }, { x: 30, y: 2 }];
  const labels = (html: string) =>
    [...html.matchAll(/aria-label="x-axis tick label".*?<\/g>/gs)].join("")
      .match(/>[^<>]+<\/text>/g)?.map((t) => t.slice(1, -7)) ?? [];
  const shown = labels(
    plot({ x: { type: "log" }, marks: [Plot.dot(rows, { x: "x", y: "y" })] }).html,
  );
  assert.ok(shown.includes("0.2") && shown.includes("1") && shown.includes("20"), `${shown}`);
  assert.ok(shown.every((label) => !/[mk]$/.test(label)), `${shown}`);
  // A format of the reader's own wins.
  const own = labels(
    plot({ x: { type: "log", tickFormat: "~s" }, marks: [Plot.dot(rows, { x: "x", y: "y" })] })
      .html,
  );
  assert.ok(own.includes("200m"), `${own}`);
});

Deno.test("print logs its values and resolves to nothing outside the kernel", async () => {
  const logged: unknown[][] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => logged.push(values);
  try {
    assert.equal(await print("3 runs,", 0, "failures"), undefined);
  } finally {
    console.log = log;
  }
  assert.deepEqual(logged, [["3 runs,", 0, "failures"]]);
});
