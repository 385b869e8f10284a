// Runtimes for the real MCP servers installed from npm, started with this Node (no npx, no network).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runtime } from "../../../shared/registry/schema.js";
import { freePort } from "../../helpers/ports.js";

const require = createRequire(import.meta.url);

export function serverBin(pkg: string): string {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : Object.values(manifest.bin)[0];
  if (!bin) throw new Error(`${pkg} has no bin`);
  return join(dirname(manifestPath), bin);
}

export const EVERYTHING_BIN = serverBin("@modelcontextprotocol/server-everything");
export const MEMORY_BIN = serverBin("@modelcontextprotocol/server-memory");

export function everythingStdio(): Runtime {
  return { transport: "stdio", command: process.execPath, args: [EVERYTHING_BIN, "stdio"] };
}

export function memoryStdio(memoryFile: string): Runtime {
  return {
    transport: "stdio",
    command: process.execPath,
    args: [MEMORY_BIN],
    env: { MEMORY_FILE_PATH: memoryFile },
  };
}

/** A small MCP server of our own for cases no npm server shows: paginated lists, dying mid-call. */
export const FIXTURE_SERVER = fileURLToPath(new URL("./fixtures/fixture-server.mjs", import.meta.url));

export function fixtureStdio(): Runtime {
  return { transport: "stdio", command: process.execPath, args: [FIXTURE_SERVER] };
}

export function nodeEval(script: string): Runtime {
  return { transport: "stdio", command: process.execPath, args: ["-e", script] };
}

/** A plain HTTP server that answers every request with 404 HTML, as a wrong URL would. */
export async function startNotFoundServer(): Promise<{
  url: string;
  headers: Array<Record<string, string | string[] | undefined>>;
  close: () => Promise<void>;
}> {
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** server-everything in its Streamable HTTP mode on a free port: a remote MCP server for tests. */
export async function startEverythingHttp(): Promise<{
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING_BIN, "streamableHttp"], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 15_000;
  while (!stderr.includes("listening on port")) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`server-everything did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    },
  };
}
