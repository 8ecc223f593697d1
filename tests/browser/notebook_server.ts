/**
 * A classic Jupyter Notebook server (Notebook 6, Debian's `jupyter-notebook`) started for
 * one test run and always stopped by it: on 127.0.0.1, on a free port, behind a random
 * token, with its own config and runtime folders so nothing of the user's setup leaks in
 * and every kernel it starts can be found and ended.
 *
 * @module
 */
import { join } from "node:path";
import { runCommand } from "../../tools/jupyter.ts";
import { stripAnsi } from "../../tools/notebook_json.ts";
import { BROWSER_TEST_INSTALL_HELP } from "./chromium.ts";
import { processesMentioning } from "./processes.ts";
import { settleWithin, waitFor } from "./wait.ts";

/** Options for {@link NotebookServer.start}. */
export interface NotebookServerOptions {
  /** Folder to serve; kernels start in the folder of their notebook. */
  readonly rootDir: string;
  /**
   * An empty folder for the server's config and runtime files (connection files, cookie
   * secret), deleted by {@link NotebookServer.stop}. Default: a new temporary folder.
   */
  readonly stateDir?: string;
  /** Longest the server may take to answer, in ms. Default 60,000. */
  readonly startupTimeoutMs?: number;
  /**
   * Seconds after which the server ends itself once idle, in case the test process is
   * killed before it can stop it. Default 900.
   */
  readonly idleShutdownSeconds?: number;
}

/** How many lines of the server's output are kept for messages. */
const LOG_LINES = 200;

/** A running notebook server; {@link NotebookServer.stop} ends it and its kernels. */
export class NotebookServer {
  /** Base URL (`http://127.0.0.1:PORT`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The token every request carries. */
  readonly token: string;
  /** The folder it serves. */
  readonly rootDir: string;
  /** The server process's id. */
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #stateDir: string;
  readonly #log: string[];
  readonly #readers: Promise<void>[];
  #exitStatus: Deno.CommandStatus | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(
    init: {
      port: number;
      token: string;
      rootDir: string;
      child: Deno.ChildProcess;
      stateDir: string;
      log: string[];
      readers: Promise<void>[];
    },
  ) {
    this.port = init.port;
    this.url = `http://127.0.0.1:${init.port}`;
    this.token = init.token;
    this.rootDir = init.rootDir;
    this.#child = init.child;
    this.pid = init.child.pid;
    this.#stateDir = init.stateDir;
    this.#log = init.log;
    this.#readers = init.readers;
    this.#child.status.then((status) => this.#exitStatus = status);
  }

  /**
   * Starts `jupyter notebook` on a free port of 127.0.0.1 and waits until it answers.
   *
   * @throws {Error} if the classic Notebook is missing or the server does not come up.
   *
   * @example
   * ```ts
   * const server = await NotebookServer.start({ rootDir: "dist/site" });
   * try {
   *   console.log(server.notebookUrl("notebooks/00_welcome.ipynb"));
   * } finally {
   *   await server.stop();
   * }
   * ```
   */
  static async start(options: NotebookServerOptions): Promise<NotebookServer> {
    await checkClassicNotebook();
    // Another process may take the free port between the check and the server's bind;
    // the server then exits at once and a new port is tried.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = await NotebookServer.#spawn(options, freePort());
      try {
        await server.#waitUntilReady(options.startupTimeoutMs ?? 60_000);
        return server;
      } catch (error) {
        lastError = error;
        await server.stop();
        if (!/already in use/i.test(server.log())) break;
      }
    }
    throw lastError;
  }

  static async #spawn(options: NotebookServerOptions, port: number): Promise<NotebookServer> {
    const token = crypto.randomUUID().replaceAll("-", "");
    const stateDir = options.stateDir ?? await Deno.makeTempDir({ prefix: "notebook_server_" });
    const configDir = join(stateDir, "config");
    const runtimeDir = join(stateDir, "runtime");
    await Deno.mkdir(configDir);
    await Deno.mkdir(runtimeDir);
    const idle = options.idleShutdownSeconds ?? 900;
    const args = [
      "notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${options.rootDir}`,
      // A safety net only: should this process die without stopping the server, idle
      // kernels are culled and then the server exits by itself.
      `--MappingKernelManager.cull_idle_timeout=${idle}`,
      "--MappingKernelManager.cull_interval=60",
      "--MappingKernelManager.cull_connected=True",
      `--NotebookApp.shutdown_no_activity_timeout=${idle}`,
      ...(Deno.uid() === 0 ? ["--allow-root"] : []),
    ];
    // Through setpriv, Linux sends the server SIGTERM if this process dies without stopping
    // it (killed, or a test runner exiting on Ctrl-C), and the server then ends its kernels
    // as on any SIGTERM. Linux sends it when the thread that started the server ends: here
    // the thread running the test module, which outlives the server.
    const deathSignal = await hasSetpriv() ? ["setpriv", "--pdeathsig", "SIGTERM"] : [];
    const [program = "jupyter", ...programArgs] = [...deathSignal, "jupyter", ...args];
    const child = new Deno.Command(program, {
      args: programArgs,
      env: { JUPYTER_CONFIG_DIR: configDir, JUPYTER_RUNTIME_DIR: runtimeDir },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log: string[] = [];
    const readers = [child.stdout, child.stderr].map((stream) => collectLines(stream, log));
    return new NotebookServer({
      port,
      token,
      rootDir: options.rootDir,
      child,
      stateDir,
      log,
      readers,
    });
  }

  async #waitUntilReady(timeoutMs: number): Promise<void> {
    await waitFor("start the notebook server", async () => {
      const exited = this.#exitStatus;
      if (exited) {
        throw new Error(
          `Cannot start the notebook server: jupyter notebook exited with code ${exited.code}\n${
            this.log(12)
          }`,
        );
      }
      try {
        const response = await this.#api("GET", "/api/status", 2_000);
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    }, { timeoutMs, describe: () => `its output ends with:\n${this.log(12)}` });
  }

  /** The URL that opens a notebook (path relative to the served folder) in the browser. */
  notebookUrl(relativePath: string): string {
    const path = relativePath.split("/").map(encodeURIComponent).join("/");
    return `${this.url}/notebooks/${path}?token=${this.token}`;
  }

  /** The last `count` lines the server printed. */
  log(count = LOG_LINES): string {
    return this.#log.slice(-count).join("\n");
  }

  /** The ids of the kernels the server runs. */
  async kernelIds(): Promise<string[]> {
    const response = await this.#api("GET", "/api/kernels", 5_000);
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Cannot list the server's kernels: HTTP ${response.status}`);
    }
    const kernels = await response.json() as { id: string }[];
    return kernels.map((kernel) => kernel.id);
  }

  /** Shuts down every kernel the server runs (the server keeps running). */
  async shutdownKernels(): Promise<void> {
    for (const id of await this.kernelIds()) {
      const response = await this.#api("DELETE", `/api/kernels/${id}`, 10_000);
      await response.body?.cancel();
    }
  }

  /**
   * Process ids of the kernels this server started that are still alive, found by the
   * connection files in its private runtime folder.
   */
  async kernelProcessIds(): Promise<number[]> {
    return await processesMentioning(join(this.#stateDir, "runtime"));
  }

  /** Whether the server process has exited. */
  get exited(): boolean {
    return this.#exitStatus !== undefined;
  }

  /**
   * Stops the kernels and the server, politely first (the REST API, then SIGTERM) and by
   * SIGKILL after `timeoutMs`, and deletes its config and runtime folders. Safe to call
   * more than once.
   */
  stop(timeoutMs = 15_000): Promise<void> {
    this.#stopped ??= this.#stop(timeoutMs);
    return this.#stopped;
  }

  async #stop(timeoutMs: number): Promise<void> {
    if (!this.exited) {
      await this.shutdownKernels().catch(() => {});
      await endProcess(this.#child, timeoutMs);
    }
    // Kernels run in sessions of their own: a server that was killed leaves them behind.
    for (const pid of await this.kernelProcessIds()) await endPid(pid, 5_000);
    // A kernel that outlived the server may still hold its output pipes open.
    await settleWithin(Promise.all(this.#readers), 2_000);
    await Deno.remove(this.#stateDir, { recursive: true }).catch(() => {});
  }

  #api(method: string, path: string, timeoutMs: number): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { Authorization: `token ${this.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  }
}

/**
 * Checks that `jupyter notebook` is the classic Notebook (6.x), the front end the browser
 * test drives.
 *
 * @throws {Error} saying what to install otherwise.
 */
export async function checkClassicNotebook(): Promise<string> {
  const { code, stdout } = await runCommand("jupyter", ["notebook", "--version"]);
  const version = stdout.trim();
  if (code !== 0) {
    throw new Error(
      `Cannot start the browser test: the classic Jupyter Notebook is not installed (\`jupyter notebook\` was not found)\n${BROWSER_TEST_INSTALL_HELP}`,
    );
  }
  if (!/^6\./.test(version)) {
    throw new Error(
      `Cannot start the browser test: \`jupyter notebook\` is version ${version}, and the test drives the classic Notebook 6\n${BROWSER_TEST_INSTALL_HELP}`,
    );
  }
  return version;
}

let setprivFound: Promise<boolean> | undefined;

/** Whether util-linux's `setpriv` is installed (it is on Debian and Ubuntu). */
function hasSetpriv(): Promise<boolean> {
  setprivFound ??= runCommand("setpriv", ["--version"]).then((result) => result.code === 0);
  return setprivFound;
}

/** A port of 127.0.0.1 that nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Whether a port of 127.0.0.1 can be bound (nothing listens on it). */
export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

async function collectLines(stream: ReadableStream<Uint8Array>, log: string[]): Promise<void> {
  let partial = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      log.push(...lines.map(stripAnsi));
      if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
    }
  } catch {
    // The stream was cancelled or broke: the log simply ends here.
  }
  if (partial) log.push(stripAnsi(partial));
}

async function endProcess(child: Deno.ChildProcess, timeoutMs: number): Promise<void> {
  signal(child.pid, "SIGTERM");
  if (!await settleWithin(child.status, timeoutMs)) {
    signal(child.pid, "SIGKILL");
    await child.status;
  }
}

async function endPid(pid: number, timeoutMs: number): Promise<void> {
  signal(pid, "SIGTERM");
  // A process that ended but was not reaped yet keeps its /proc entry, with no command line.
  const alive = () =>
    Deno.readTextFile(`/proc/${pid}/cmdline`).then((cmdline) => cmdline !== "", () => false);
  try {
    await waitFor(`end process ${pid}`, async () => !await alive(), {
      timeoutMs,
      intervalMs: 100,
    });
  } catch {
    signal(pid, "SIGKILL");
  }
}

function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // Already gone.
  }
}
