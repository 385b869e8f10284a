// Starts the embedded platform in this test process (temp MCPFLOW_HOME, free port) and gives typed HTTP helpers.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalPlatform, startLocalPlatform } from "../../local/platform.js";
import type { Role } from "../../shared/identity/roles.js";

process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

export interface TestPlatform extends LocalPlatform {
  tokens: Record<Role, string>;
  /** JSON request as `role` (default admin); `auth: null` sends no credentials. */
  api(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      rawBody?: string;
      contentType?: string;
      role?: Role;
      auth?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestPlatform(options: { home?: string } = {}): Promise<TestPlatform> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), "mcpflow-test-")));
  let platform = await startLocalPlatform({ home, port: 0 });
  const mintAll = async () => {
    const entries = await Promise.all(
      (["viewer", "operator", "editor", "admin"] as const).map(
        async (role) => [role, await platform.mintToken({ role })] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<Role, string>;
  };
  const test: TestPlatform = {
    ...platform,
    tokens: await mintAll(),
    async api(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.auth !== null) {
        const credential = opts.auth ?? `Bearer ${test.tokens[opts.role ?? "admin"]}`;
        if (credential.startsWith("Bearer ")) headers.authorization = credential;
        else headers["x-api-key"] = credential;
      }
      let body: string | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers["content-type"] ??= opts.contentType ?? "application/json";
      const response = await fetch(`${platform.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers, text };
    },
    async restart() {
      await platform.stop();
      platform = await startLocalPlatform({ home, port: 0 });
      test.url = platform.url;
      test.stop = platform.stop;
      test.mintToken = platform.mintToken;
      test.signInLink = platform.signInLink;
    },
    async stop() {
      await platform.stop();
    },
    async cleanup() {
      await platform.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
  return test;
}
