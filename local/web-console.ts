// Serves the built console (web/dist) on the API's origin: hashed assets cached for a year, everything else
// revalidated, a client route (no file extension) answered with index.html, and the security headers the web
// stack's CloudFront distribution sends on AWS (one list: shared/web/security-headers.ts).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { ASSETS_PREFIX, CACHE_CONTROL, isClientRoute } from "../shared/web/console-paths.js";
import { consoleSecurityHeaders } from "../shared/web/security-headers.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

export interface ConsoleOptions {
  /** The built console, usually web/dist. */
  root: string;
  /** What `/config.json` answers: the console's runtime configuration. */
  config: Record<string, unknown>;
}

/** A request for the console: true when answered, false when the path is not the console's (the caller 404s). */
export type ConsoleListener = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createConsoleListener(options: ConsoleOptions): ConsoleListener {
  const security = consoleSecurityHeaders({ connectSrc: [] });
  const configBody = JSON.stringify(options.config);
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://local");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return false;
    }
    // The API's namespaces stay the API's: an unknown /v1 path is a 404 problem, never the console's page.
    if (/^\/v[0-9.]+(\/|$)/.test(path)) return false;
    if (path === "/config.json") {
      send(
        res,
        req,
        200,
        { ...security, "content-type": CONTENT_TYPES[".json"]!, "cache-control": "no-store" },
        { body: configBody },
      );
      return true;
    }
    const file = normalize(join(options.root, path));
    if (!file.startsWith(options.root + sep) && file !== options.root) return false;
    const found = await fileAt(file);
    if (found) {
      const hashed = path.startsWith(ASSETS_PREFIX);
      send(
        res,
        req,
        200,
        {
          ...security,
          "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
          "content-length": String(found.size),
          "cache-control": hashed ? CACHE_CONTROL.assets : CACHE_CONTROL.other,
        },
        { file },
      );
      return true;
    }
    // A client route such as /runs/abc or /servers/io.github.x%2Fy: the app decides. A missing file is a real 404.
    if (!isClientRoute(path)) return false;
    const index = join(options.root, "index.html");
    const indexFile = await fileAt(index);
    if (!indexFile) return false;
    send(
      res,
      req,
      200,
      {
        ...security,
        "content-type": CONTENT_TYPES[".html"]!,
        "content-length": String(indexFile.size),
        "cache-control": CACHE_CONTROL.other,
      },
      { file: index },
    );
    return true;
  };
}

async function fileAt(path: string): Promise<{ size: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size } : undefined;
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  headers: Record<string, string>,
  content: { body: string } | { file: string },
): void {
  res.writeHead(status, headers);
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  if ("body" in content) {
    res.end(content.body);
    return;
  }
  createReadStream(content.file)
    .on("error", () => res.destroy())
    .pipe(res);
}
