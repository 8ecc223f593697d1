/**
 * The script of an exported chapter page: it turns each Try it cell (marked
 * `data-try-it` by the exporter) into an editable code area with a Run button, runs the
 * cell in a module worker (web/worker.ts) and replaces its outputs in place as they arrive.
 * Without scripts the page reads as exported. Loaded as a classic script, so that on a
 * `file:` URL, where browsers refuse module workers, it can still say how to serve the
 * site.
 *
 * @module
 */
import {
  type FromWorker,
  PAGE_DATA_ID,
  type PageCell,
  type PageData,
  type RunError,
  type ToWorker,
} from "./messages.ts";
import type { MimeBundle } from "./host/page_sink.ts";
import { highlightTypeScript } from "./highlight.ts";
import type { ProgressState } from "../lib/experiments/progress.ts";

// The repository type-checks with Deno's types, which have no DOM (adding the DOM library
// would change the types of the whole program), so the page script names the part of the
// DOM it uses. Every element is read through this one loose shape.
/** An element as this script uses it (an HTMLElement, textarea, button or progress). */
interface El {
  className: string;
  textContent: string | null;
  innerHTML: string;
  hidden: boolean;
  value: string;
  disabled: boolean;
  spellcheck: boolean;
  wrap: string;
  type: string;
  title: string;
  src: string;
  alt: string;
  readonly scrollHeight: number;
  scrollLeft: number;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { add(name: string): void; remove(name: string): void };
  readonly lastElementChild: El | null;
  append(...nodes: (El | string)[]): void;
  prepend(...nodes: (El | string)[]): void;
  after(...nodes: (El | string)[]): void;
  before(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: El[]): void;
  querySelector(selector: string): El | null;
  matches(selector: string): boolean;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: (event: PageEvent) => void): void;
  focus(): void;
  blur(): void;
}

/** A DOM event as this script reads it (a click or a key). */
interface PageEvent {
  readonly key?: string;
  readonly shiftKey?: boolean;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  preventDefault(): void;
}

/** The document as this script uses it. */
interface PageDocument {
  readonly readyState: string;
  readonly baseURI: string;
  readonly head: El;
  getElementById(id: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  createElement(tag: string): El;
  addEventListener(type: string, listener: () => void): void;
  execCommand(command: string, showUi: boolean, value: string): boolean;
}

// Not named `document`: in a classic script a top-level `const document` would collide with
// the window's own.
const doc = (globalThis as unknown as { document: PageDocument }).document;

/** What a run tells the cell that started it. */
interface RunHandlers {
  status(text: string): void;
  display(bundle: MimeBundle): void;
  stream(name: "stdout" | "stderr", text: string): void;
  progress(state: ProgressState): void;
  error(error: RunError): void;
  done(message: Extract<FromWorker, { type: "done" }>): void;
  cancelled(): void;
}

/** The page's worker: one run at a time; cancelling a run discards the worker. */
class Session {
  #worker: Worker | undefined;
  #runId = 0;
  #active: { id: number; handlers: RunHandlers } | undefined;
  /** Whether the current worker has run anything yet (its first run loads the library). */
  warm = false;
  readonly #listeners: ((busy: boolean) => void)[] = [];
  /** Every live cell's current code when edited in the page, by notebook index. */
  readonly #edited = new Map<number, () => string | undefined>();

  constructor(readonly workerUrl: URL, readonly cells: readonly PageCell[]) {}

  /** Calls `listener` whenever a run starts or ends. */
  onBusy(listener: (busy: boolean) => void): void {
    this.#listeners.push(listener);
  }

  get busy(): boolean {
    return this.#active !== undefined;
  }

  /** Starts the worker ahead of a first run, so the library loads while the reader reads. */
  warmUp(): void {
    this.#ensureWorker();
  }

  /** Registers a live cell's code, so that later cells that need it run what the page shows. */
  track(index: number, editedSource: () => string | undefined): void {
    this.#edited.set(index, editedSource);
  }

  run(index: number, source: string, handlers: RunHandlers): void {
    const worker = this.#ensureWorker();
    const id = ++this.#runId;
    this.#active = { id, handlers };
    this.#emit();
    const edits: Record<number, string> = {};
    for (const [cellIndex, read] of this.#edited) {
      const edited = read();
      if (cellIndex !== index && edited !== undefined) edits[cellIndex] = edited;
    }
    worker.postMessage({ type: "run", runId: id, index, source, edits } satisfies ToWorker);
  }

  cancel(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.warm = false;
    const active = this.#active;
    this.#active = undefined;
    active?.handlers.cancelled();
    this.#emit();
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.workerUrl, { type: "module" });
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const active = this.#active;
      if (!active) return;
      const message = event.message || "the worker script did not load";
      active.handlers.error({
        ename: "Error",
        evalue: message,
        text: `Cannot run this cell in the page: ${message}`,
        index: -1,
      });
      this.#worker?.terminate();
      this.#worker = undefined;
      this.#finish(active.id);
      active.handlers.cancelled();
    };
    worker.postMessage({ type: "load", cells: this.cells } satisfies ToWorker);
    this.#worker = worker;
    return worker;
  }

  #receive(message: FromWorker): void {
    const active = this.#active;
    if (!active || message.runId !== active.id) return;
    const handlers = active.handlers;
    switch (message.type) {
      case "status":
        return handlers.status(message.text);
      case "display":
        return handlers.display(message.bundle);
      case "stream":
        return handlers.stream(message.name, message.text);
      case "progress":
        return handlers.progress(message.state);
      case "error":
        return handlers.error(message.error);
      case "done":
        this.warm = true;
        this.#finish(active.id);
        return handlers.done(message);
    }
  }

  #finish(id: number): void {
    if (this.#active?.id === id) this.#active = undefined;
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.busy);
  }
}

/** One Try it cell made live. */
class LiveCell {
  readonly #section: El;
  readonly #index: number;
  readonly #original: string;
  readonly #editor: El;
  readonly #shadow: El;
  readonly #outputs: El;
  readonly #run: El;
  readonly #cancel: El;
  readonly #reset: El;
  readonly #progress: El;
  readonly #status: El;
  #running = false;
  #fresh = false;

  constructor(section: El, index: number, source: string, readonly session: Session) {
    this.#section = section;
    this.#index = index;
    this.#original = source;
    section.classList.add("live");

    const editor = element("textarea", "source-edit");
    editor.value = source.replace(/\s+$/, "");
    editor.spellcheck = false;
    editor.wrap = "off";
    editor.setAttribute("autocapitalize", "off");
    editor.setAttribute("autocomplete", "off");
    editor.setAttribute("aria-label", "The cell's code: edit it, then press Run");
    editor.addEventListener("input", () => this.#edited());
    editor.addEventListener("keydown", (event) => this.#key(event));
    editor.addEventListener("scroll", () => {
      this.#shadow.scrollLeft = editor.scrollLeft;
    });
    this.#editor = editor;
    // The highlighted code sits under a transparent text area: the reader edits the text
    // area and sees the highlighting, which is redrawn on every edit.
    const box = element("div", "code-editor");
    this.#shadow = element("pre", "code-shadow");
    this.#shadow.setAttribute("aria-hidden", "true");
    box.append(this.#shadow, editor);
    const pre = section.querySelector("pre.source");
    if (pre) {
      pre.hidden = true;
      pre.after(box);
    } else section.prepend(box);
    this.#paint();

    const bar = element("div", "run-bar");
    this.#run = button("Run", "run", "Run this cell in the page (Shift-Enter)");
    this.#run.prepend(element("span", "icon", "▶"));
    this.#cancel = button("Cancel", "cancel secondary", "Stop this run");
    this.#cancel.hidden = true;
    this.#reset = button("Reset", "reset secondary", "Put back the chapter's code");
    this.#reset.hidden = true;
    this.#progress = element("progress", "run-progress");
    this.#progress.hidden = true;
    this.#status = element("span", "run-status", "Runs in your browser");
    this.#status.setAttribute("role", "status");
    bar.append(this.#run, this.#cancel, this.#reset, this.#progress, this.#status);
    box.after(bar);

    let outputs = section.querySelector(".outputs");
    if (!outputs) {
      outputs = element("div", "outputs");
      outputs.hidden = true;
      section.append(outputs);
    }
    this.#outputs = outputs;

    this.#run.addEventListener("click", () => this.start());
    this.#cancel.addEventListener("click", () => this.session.cancel());
    this.#reset.addEventListener("click", () => {
      this.#editor.value = this.#original.replace(/\s+$/, "");
      this.#edited();
      this.#editor.focus();
    });
    session.track(index, () => {
      const value = this.#editor.value;
      return value === this.#original.replace(/\s+$/, "") ? undefined : value;
    });
    // A reader who points at or focuses a Try it cell is likely to run it.
    section.addEventListener("pointerenter", () => session.warmUp());
    section.addEventListener("focusin", () => session.warmUp());
    session.onBusy((busy) => {
      this.#run.disabled = busy;
    });
  }

  /** Runs the cell's current code. */
  start(): void {
    if (this.session.busy) return;
    this.#running = true;
    this.#fresh = true;
    this.#outputs.classList.add("stale");
    this.#cancel.hidden = false;
    this.#progress.hidden = true;
    this.#section.classList.add("running");
    this.#setStatus(
      this.session.warm ? "Running…" : "Starting: loading the library (once per page)…",
    );
    this.session.run(this.#index, this.#editor.value, {
      status: (text) => {
        if (text === "running") this.#setStatus("Running…");
        else this.#setStatus(`${capitalise(text)}…`);
      },
      display: (bundle) => this.#append(renderBundle(bundle)),
      stream: (name, text) => this.#stream(name, text),
      progress: (state) => this.#showProgress(state),
      error: (error) => this.#append(renderError(error, this.#index)),
      done: (message) => {
        this.#end();
        // For scripts and tests that time runs: the whole run, and the cell alone.
        this.#section.dataset.runMs = String(Math.round(message.ms));
        this.#section.dataset.cellMs = String(Math.round(message.cellMs));
        if (this.#fresh) this.#clearOutputs();
        const earlier = message.ranFirst.length;
        const took = seconds(message.ms);
        this.#setStatus(
          message.ok
            ? earlier === 0
              ? `Ran in ${took} in your browser`
              : `Ran in ${took} in your browser (this cell ${seconds(message.cellMs)}, ` +
                `after ${earlier} earlier cell${earlier === 1 ? "" : "s"} it needs)`
            : `Stopped with an error after ${took}`,
        );
      },
      cancelled: () => {
        this.#end();
        this.#outputs.classList.remove("stale");
        this.#setStatus("Cancelled; the next run starts afresh");
      },
    });
  }

  #end(): void {
    this.#running = false;
    this.#cancel.hidden = true;
    this.#progress.hidden = true;
    this.#section.classList.remove("running");
  }

  #setStatus(text: string): void {
    this.#status.textContent = text;
  }

  #clearOutputs(): void {
    this.#fresh = false;
    this.#outputs.replaceChildren();
    this.#outputs.classList.remove("stale");
    this.#outputs.hidden = false;
  }

  #append(node: El): void {
    if (this.#fresh) this.#clearOutputs();
    this.#outputs.append(node);
  }

  /** Consecutive text on one stream shares one block, as in Jupyter. */
  #stream(name: "stdout" | "stderr", text: string): void {
    if (this.#fresh) this.#clearOutputs();
    const last = this.#outputs.lastElementChild;
    if (last !== null && last.matches(`pre.output.stream.${name}`)) {
      last.textContent = `${last.dataset.raw ?? ""}${text}`.replace(/\n$/, "");
      last.dataset.raw = `${last.dataset.raw ?? ""}${text}`;
      return;
    }
    const pre = element("pre", `output stream ${name}`, stripAnsi(text).replace(/\n$/, ""));
    pre.dataset.raw = stripAnsi(text);
    this.#outputs.append(pre);
  }

  #showProgress(state: ProgressState): void {
    if (!this.#running) return;
    this.#progress.hidden = state.status !== "running";
    this.#progress.setAttribute("max", String(Math.max(1, state.total)));
    this.#progress.setAttribute("value", String(state.done));
    this.#setStatus(`${state.label}: ${state.done} of ${state.total} trials`);
  }

  #edited(): void {
    this.#reset.hidden = this.#editor.value === this.#original.replace(/\s+$/, "");
    this.#paint();
  }

  /** Redraws the highlighted copy under the text area; it also sizes the editor. */
  #paint(): void {
    // A trailing newline keeps a last empty line as tall as the text area's.
    this.#shadow.innerHTML = `<code class="language-ts">${
      highlightTypeScript(this.#editor.value)
    }\n</code>`;
    this.#shadow.scrollLeft = this.#editor.scrollLeft;
  }

  #key(event: PageEvent): void {
    if (event.key === "Enter" && (event.shiftKey || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.start();
    } else if (event.key === "Tab" && !event.shiftKey && !event.altKey) {
      // Two spaces, as in the chapters; Escape then Tab leaves the code area.
      event.preventDefault();
      doc.execCommand("insertText", false, "  ");
    } else if (event.key === "Escape") this.#editor.blur();
  }
}

function element(tag: string, className: string, text?: string): El {
  const node = doc.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, className: string, title: string): El {
  const node = element("button", className, label);
  node.type = "button";
  node.title = title;
  return node;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex -- matching the escape character is the point
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}

/** An output as the exporter renders it (tools/html_page.ts), so both look the same. */
function renderBundle(bundle: MimeBundle): El {
  const html = bundle["text/html"];
  if (html !== undefined) {
    const div = element("div", "output html");
    div.innerHTML = html;
    return div;
  }
  const svg = bundle["image/svg+xml"];
  if (svg !== undefined) {
    const div = element("div", "output figure");
    div.innerHTML = svg.replace(/<\?xml[^>]*\?>/g, "").replace(/<!DOCTYPE[^>]*>/gi, "").trim();
    return div;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    const base64 = bundle[mime];
    if (base64 !== undefined) {
      const div = element("div", "output figure");
      const img = element("img", "");
      img.src = `data:${mime};base64,${base64.replace(/\s+/g, "")}`;
      img.alt = bundle["text/plain"] ?? "figure";
      div.append(img);
      return div;
    }
  }
  const text = bundle["text/markdown"] ?? bundle["application/json"] ?? bundle["text/plain"];
  return element("pre", "output text", stripAnsi(typeof text === "string" ? text : ""));
}

function renderError(error: RunError, index: number): El {
  const where = error.index >= 0 && error.index !== index
    ? `An earlier cell this one needs (cell ${error.index} of the notebook) failed:\n\n`
    : "";
  return element("pre", "output error", `${where}${error.text}`);
}

const STYLES = `
.try-note { margin: 0 0 1rem; padding: 0.7rem 1rem; font: 0.9rem/1.5 var(--sans);
  color: var(--text); background: #f2f7fc; border: 1px solid #cfe0f1; border-radius: 6px; }
.try-note p { margin: 0; }
.try-note p + p { margin-top: 0.35rem; color: var(--muted); }
.code-editor { position: relative; background: var(--code-bg);
  border-left: 3px solid var(--accent); border-radius: 0 4px 4px 0;
  box-shadow: inset 0 0 0 1px #e1e7ee; }
.code-editor:focus-within { box-shadow: inset 0 0 0 1px var(--accent), 0 0 0 3px #d6e6f7; }
.code-editor .code-shadow, .code-editor textarea.source-edit { margin: 0;
  padding: 0.75rem 1rem; border: 0; font: 0.84rem/1.5 var(--mono); letter-spacing: normal;
  tab-size: 2; white-space: pre; }
.code-editor .code-shadow { background: transparent; overflow: hidden; pointer-events: none; }
.code-editor .code-shadow code { font: inherit; }
.code-editor textarea.source-edit { position: absolute; inset: 0; width: 100%; height: 100%;
  display: block; color: transparent; background: transparent; caret-color: var(--text);
  resize: none; overflow: auto hidden; outline: none; }
.code-editor textarea.source-edit::selection { color: transparent;
  background: rgba(11, 92, 173, 0.22); }
.run-bar { display: flex; align-items: center; flex-wrap: wrap; gap: 0.5rem;
  margin: 0.5rem 0 0.1rem; font: 0.85rem/1.4 var(--sans); color: var(--muted); }
.run-bar button { font: 600 0.85rem/1 var(--sans); padding: 0.45rem 0.95rem;
  border: 1px solid var(--accent); border-radius: 999px; background: var(--accent);
  color: #fff; cursor: pointer; }
.run-bar button .icon { font-size: 0.7rem; margin-right: 0.4rem; vertical-align: 0.05em; }
.run-bar button.secondary { background: #fff; color: var(--accent); }
.run-bar button:hover:not(:disabled) { filter: brightness(1.1); }
.run-bar button:disabled { opacity: 0.45; cursor: default; }
.run-bar button[hidden], .run-bar progress[hidden] { display: none; }
.run-bar progress { width: 9rem; height: 0.45rem; accent-color: var(--accent); }
.run-bar .run-status { margin-left: 0.25rem; }
.cell.running .run-status::before { content: ""; display: inline-block; width: 0.55rem;
  height: 0.55rem; margin-right: 0.45rem; border-radius: 50%; background: var(--accent);
  animation: run-pulse 1s ease-in-out infinite; }
@keyframes run-pulse { 50% { opacity: 0.25; } }
.outputs.stale { opacity: 0.4; transition: opacity 0.2s; }
.run-note { margin: 0.45rem 0 0; font: 0.85rem/1.5 var(--sans); color: var(--muted); }
`;

function note(served: boolean): El {
  const aside = element("aside", "try-note");
  aside.setAttribute("aria-label", "Running the code on this page");
  const first = element("p", "");
  first.innerHTML = served
    ? "<strong>Try it here.</strong> The Try it cells and exercises on this page run in your " +
      "browser: change a knob at the top of the code, then press <b>Run</b> (or Shift-Enter) " +
      "and the outputs redraw in place."
    : "<strong>Try it here.</strong> The Try it cells and exercises on this page can run in your " +
      "browser " +
      "when the site is served rather than opened as a file: run <code>deno task serve</code> " +
      "in the repository and open <code>http://localhost:8000/</code>.";
  const second = element("p", "");
  second.innerHTML = "Open in JupyterLab to go further: in the repository, run " +
    "<code>deno task lab</code> and open this chapter from <code>notebooks/</code>, where every " +
    "cell can be changed and run.";
  aside.append(first, second);
  return aside;
}

function main(): void {
  const dataElement = doc.getElementById(PAGE_DATA_ID);
  const sections = [
    ...doc.querySelectorAll(
      "section.cell.code[data-try-it], section.cell.code[data-exercise]",
    ),
  ];
  if (!dataElement || sections.length === 0) return;
  const data = JSON.parse(dataElement.textContent ?? "{}") as PageData;
  const style = doc.createElement("style");
  style.textContent = STYLES;
  doc.head.append(style);

  // Browsers start no module worker from a file: URL; say how to serve the site instead.
  const served = location.protocol === "http:" || location.protocol === "https:";
  sections[0]!.before(note(served));
  if (!served) {
    for (const section of sections) {
      const line = element("p", "run-note");
      line.innerHTML = "To run this cell in the page, serve the site with " +
        "<code>deno task serve</code> and open it from <code>http://localhost:8000/</code>.";
      (section.querySelector(".outputs") ?? section.lastElementChild)?.before(line);
    }
    return;
  }
  const session = new Session(new URL(data.worker, doc.baseURI), data.cells);
  for (const section of sections) {
    const index = Number(section.dataset.tryIt ?? section.dataset.exercise);
    const cell = data.cells.find((c) => c.index === index);
    if (cell) new LiveCell(section, index, cell.source, session);
  }
}

if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", main);
else main();
