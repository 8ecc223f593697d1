import assert from "node:assert/strict";
import { jupyterProgress } from "../../lib/experiments/progress.ts";
import { HOST_REMAPS } from "../../tools/web_bundle.ts";

const ROOT = new URL("../../", import.meta.url);

/**
 * TypeScript source with comments removed and string, template and regex literals
 * emptied, so that only code is left to search. A `/` starts a regex literal where an
 * expression may begin (after an operator or an opening bracket), as in JavaScript.
 */
function codeOnly(source: string): string {
  let out = "";
  let i = 0;
  let last = ""; // the last significant character of code
  while (i < source.length) {
    const c = source[i]!, next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 2;
      out += " ";
    } else if (
      c === '"' || c === "'" || c === "`" || (c === "/" && /^$|[(,=:[!&|?{};+\-*%<>~^]/.test(last))
    ) {
      let inClass = false;
      i++;
      while (i < source.length) {
        const d = source[i]!;
        if (d === "\\") i += 2;
        else if (c === "/" && (d === "[" || d === "]")) {
          inClass = d === "[";
          i++;
        } else if (d === c && !inClass) break;
        else if (c !== "`" && d === "\n") break;
        else i++;
      }
      i++;
      out += `${c}${c}`;
      last = "x";
    } else {
      out += c;
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return out;
}

function* sourceFiles(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (/\.[cm]?[jt]sx?$/.test(entry.name)) yield url;
  }
}

Deno.test("codeOnly drops comments and literals and keeps code", () => {
  const source = [
    "// Deno.readTextFile in a comment",
    '/** Deno.pid */ const re = /["\']Deno.x/g; const s = "Deno\'s";',
    "const t = `Deno.env ${1}`; const n = a / b; Deno.pid;",
  ].join("\n");
  const code = codeOnly(source);
  assert.equal(code.match(/\bDeno\b/g)?.length, 1);
  assert.match(code, /Deno\.pid;/);
  assert.match(code, /a \/ b/);
});

Deno.test("no lib/ module outside the host modules names Deno in code", () => {
  const hosts = new Set(HOST_REMAPS.map((remap) => remap.module));
  const offenders: string[] = [];
  const lib = new URL("lib/", ROOT);
  for (const url of sourceFiles(lib)) {
    const path = url.href.slice(ROOT.href.length);
    if (hosts.has(path)) continue;
    const lines = codeOnly(Deno.readTextFileSync(url)).split("\n");
    lines.forEach((line, index) => {
      if (/\bDeno\b/.test(line)) offenders.push(`${path}:${index + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

Deno.test("every host module names Deno (else it need not be swapped)", () => {
  for (const remap of HOST_REMAPS) {
    const code = codeOnly(Deno.readTextFileSync(new URL(remap.module, ROOT)));
    assert.match(code, /\bDeno\b/, remap.module);
    const browser = codeOnly(Deno.readTextFileSync(new URL(remap.browser, ROOT)));
    assert.doesNotMatch(browser, /\bDeno\b/, remap.browser);
  }
});

/** The names a module exports in its source: values, types and interfaces. */
function exportedNames(source: string): string[] {
  const names = [
    ...codeOnly(source).matchAll(
      /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm,
    ),
  ].map((match) => match[1]!);
  return names.sort();
}

Deno.test("each browser stand-in exports exactly the names of the module it replaces", async () => {
  for (const remap of HOST_REMAPS) {
    const denoNames = exportedNames(Deno.readTextFileSync(new URL(remap.module, ROOT)));
    const browserNames = exportedNames(Deno.readTextFileSync(new URL(remap.browser, ROOT)));
    assert.ok(denoNames.length > 0, remap.module);
    assert.deepEqual(browserNames, denoNames, `${remap.browser} against ${remap.module}`);
    // The values, as loaded: same names, and functions where the Deno module has them.
    const denoModule = await import(new URL(remap.module, ROOT).href);
    const browserModule = await import(new URL(remap.browser, ROOT).href);
    assert.deepEqual(Object.keys(browserModule).sort(), Object.keys(denoModule).sort());
    for (const [name, value] of Object.entries(denoModule)) {
      assert.equal(typeof browserModule[name], typeof value, `${remap.browser}: ${name}`);
      if (typeof value === "function") {
        assert.equal(
          (browserModule[name] as (...args: unknown[]) => unknown).length,
          value.length,
          `${remap.browser}: ${name}'s parameters`,
        );
      }
    }
  }
});

Deno.test("the browser stand-ins behave as a page needs", async () => {
  const files = await import("../../web/host/files.ts");
  await assert.rejects(
    files.readTextFile("data/histories/x.json"),
    new Error(
      "Cannot read data/histories/x.json in a browser page: open this chapter in JupyterLab to run cells that read files",
    ),
  );
  const jupyter = await import("../../web/host/jupyter.ts");
  const { setPageSink } = await import("../../web/host/page_sink.ts");
  const seen: unknown[] = [];
  setPageSink({ display: (bundle) => seen.push(bundle), progress: (state) => seen.push(state) });
  try {
    assert.equal(jupyter.inJupyterKernel(), false);
    await jupyter.displayNow({ "text/html": "<b>hi</b>" });
    const state = {
      label: "x",
      done: 1,
      total: 2,
      rows: 1,
      points: 1,
      seeds: 2,
      status: "running",
    } as const;
    jupyter.hostProgress()?.update(state);
    assert.deepEqual(seen, [{ "text/html": "<b>hi</b>" }, state]);
    // The end of a sweep also leaves the notebook's "done" line as an output, the bundle the
    // kernel's progress display ends with.
    seen.length = 0;
    const done = { ...state, done: 2, rows: 2, status: "done" } as const;
    jupyter.hostProgress()?.update(done);
    let kernelLast: unknown;
    jupyterProgress({ broadcast: (_type, content) => kernelLast = content.data }).update(done);
    assert.deepEqual(seen, [done, kernelLast]);
    assert.match(JSON.stringify(kernelLast), /done: 2 trials/);
  } finally {
    setPageSink(undefined);
  }
});
