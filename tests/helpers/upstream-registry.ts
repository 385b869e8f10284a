// A small v0.1 MCP registry on 127.0.0.1 for the registry sync tests: it serves server.json documents in the
// official envelopes, by name and version as the official registry pages them, a few per page, honouring
// `updated_since` (later than) and `search` (a substring of the name), and records every request. A test can
// take over any request (`intercept`) to play a hostile or failing upstream.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const officialExample = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/registry/official/${file}`, import.meta.url), "utf8"));

export interface UpstreamEntry {
  server: Record<string, unknown>;
  status: "active" | "deprecated" | "deleted";
  updatedAt: string;
}

export type Intercept = (request: IncomingMessage, response: ServerResponse, url: URL) => boolean;

export class UpstreamRegistry {
  entries: UpstreamEntry[] = [];
  /** Each request's query string, in order. */
  requests: URLSearchParams[] = [];
  pageSize = 2;
  intercept: Intercept | undefined;
  url = "";
  private server: Server | undefined;

  add(server: Record<string, unknown>, updatedAt: string, status: UpstreamEntry["status"] = "active"): void {
    this.entries.push({ server, status, updatedAt });
  }

  /** The page a cursor starts: an index into the filtered list, made opaque as a real registry's would be. */
  static cursor(index: number): string {
    return Buffer.from(`after:${index}`).toString("base64url");
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://upstream");
      this.requests.push(url.searchParams);
      if (this.intercept?.(req, res, url)) return;
      if (url.pathname !== "/v0.1/servers") {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
        return;
      }
      const since = url.searchParams.get("updated_since");
      const search = url.searchParams.get("search")?.toLowerCase();
      const visible = this.entries
        .filter((e) => !since || Date.parse(e.updatedAt) > Date.parse(since))
        .filter(
          (e) =>
            !search ||
            String(e.server.name ?? "")
              .toLowerCase()
              .includes(search),
        )
        .sort(
          (a, b) =>
            String(a.server.name ?? "").localeCompare(String(b.server.name ?? "")) ||
            String(a.server.version ?? "").localeCompare(String(b.server.version ?? "")),
        );
      const cursor = url.searchParams.get("cursor");
      const start = cursor ? Number(Buffer.from(cursor, "base64url").toString().slice(6)) : 0;
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 30), this.pageSize);
      const page = visible.slice(start, start + limit);
      const body = {
        servers: page.map((entry) => ({
          server: entry.server,
          _meta: {
            "io.modelcontextprotocol.registry/official": {
              status: entry.status,
              publishedAt: entry.updatedAt,
              updatedAt: entry.updatedAt,
              isLatest: true,
            },
          },
        })),
        metadata: {
          count: page.length,
          ...(start + limit < visible.length ? { nextCursor: UpstreamRegistry.cursor(start + limit) } : {}),
        },
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
