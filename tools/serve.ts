/**
 * A static file server for the exported site, so that its Try it cells can run in the
 * browser (browsers start no module worker from a `file:` URL).
 *
 * ```sh
 * deno task export             # writes dist/
 * deno task serve              # serves dist/ on http://localhost:8000/
 * deno task serve --port 9000 /tmp/site
 * ```
 *
 * @module
 */
import { extname, join, normalize, resolve, sep } from "node:path";
import { enterInvocationDir } from "./invocation.ts";

/** Content types by file extension; JavaScript must be served as such for module workers. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

/** Options for {@link serveSite}. */
export interface ServeOptions {
  /** The folder to serve. */
  readonly dir: string;
  /** The port; 0 picks a free one. Default 8000. */
  readonly port?: number;
  /** The address to listen on. Default 127.0.0.1 (this machine only). */
  readonly hostname?: string;
  /** Called once listening, with the site's URL. */
  readonly onListen?: (url: string) => void;
}

/** A running server. */
export interface SiteServer {
  /** The site's root URL, ending in "/". */
  readonly url: string;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

/**
 * The response for one request path: the file under `dir` (a folder's `index.html`), 404
 * for anything missing or outside `dir`.
 */
export async function respond(dir: string, pathname: string): Promise<Response> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return new Response("Bad request\n", { status: 400 });
  }
  const root = resolve(dir);
  let path = normalize(join(root, decoded));
  if (path !== root && !path.startsWith(root + sep)) {
    return new Response("Not found\n", { status: 404 });
  }
  try {
    if ((await Deno.stat(path)).isDirectory) path = join(path, "index.html");
    const body = await Deno.readFile(path);
    return new Response(body, {
      headers: {
        "content-type": MIME_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
        "cache-control": "no-cache",
      },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return new Response("Not found\n", { status: 404 });
    }
    throw error;
  }
}

/** Serves `dir` over HTTP until shut down. */
export function serveSite(options: ServeOptions): Promise<SiteServer> {
  return new Promise((resolveServer) => {
    const server = Deno.serve({
      port: options.port ?? 8000,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: ({ hostname, port }) => {
        const host = hostname === "127.0.0.1" ? "localhost" : hostname;
        const url = `http://${host}:${port}/`;
        options.onListen?.(url);
        resolveServer({ url, shutdown: () => server.shutdown() });
      },
    }, (request) => {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method not allowed\n", { status: 405 });
      }
      return respond(options.dir, new URL(request.url).pathname);
    });
  });
}

/** Parsed `[--port N] [dir]`. */
export interface ServeArgs {
  /** `--port N`. */
  readonly port?: number;
  /** The folder; default `dist`. */
  readonly dir: string;
}

/**
 * Parses `[--port N] [dir]` (also `--port=N`).
 *
 * @throws {Error} on an unknown option or a bad port.
 */
export function parseServeArgs(args: readonly string[]): ServeArgs {
  let port: number | undefined;
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--port(?:=(.*))?$/.exec(arg);
    if (match) {
      const value = match[1] ?? args[++i];
      port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`Cannot parse --port ${value ?? ""}: it must be a port number (0-65535)`);
      }
    } else if (arg.startsWith("-")) {
      throw new Error(
        `Cannot parse ${arg}: unknown option (usage: deno task serve [--port N] [dir])`,
      );
    } else if (dir === undefined) dir = arg;
    else throw new Error(`Cannot parse ${arg}: serve takes one folder`);
  }
  return { dir: dir ?? "dist", ...(port === undefined ? {} : { port }) };
}

if (import.meta.main) {
  enterInvocationDir();
  try {
    const args = parseServeArgs(Deno.args);
    const dir = resolve(args.dir);
    if (!(await Deno.stat(dir).catch(() => undefined))?.isDirectory) {
      throw new Error(`Cannot serve ${args.dir}: no such folder (run deno task export first)`);
    }
    await serveSite({
      dir,
      port: args.port,
      onListen: (url) => console.error(`serve: ${args.dir} on ${url} (Ctrl-C stops it)`),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
}
