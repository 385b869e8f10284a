// The embedded platform: dynalite on a loopback port with its data under MCPFLOW_HOME, the local signing key,
// and the API handlers behind the HTTP adapter. `npm start` runs it; the integration tests start it in-process.
import "../shared/polyfills.js";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import dynalite from "dynalite";
import type { ApiArea } from "../shared/api/areas.js";
import { createFileBlobStore } from "../shared/blobs/file-store.js";
import { authenticate } from "../shared/http/handler.js";
import { logger } from "../shared/http/logger.js";
import { jwksOf, loadOrCreateSigningKey, mintLocalToken } from "../shared/identity/local-keys.js";
import type { Role } from "../shared/identity/roles.js";
import { createLocalTokenVerifier } from "../shared/identity/tokens.js";
import { createInProcessProber } from "../shared/mcp/in-process-prober.js";
import { getPlatform, type Platform, setPlatform } from "../shared/platform.js";
import { rebuildSearchIndex } from "../shared/search/freshness.js";
import { createFileSecretStore } from "../shared/secrets/file-store.js";
import { createTable, ensureTable } from "../shared/store/table.js";
import { createLocalTaskLauncher } from "../shared/tasks/local-launcher.js";
import { LocalOrchestrator } from "./engine.js";
import { type AreaHandler, apiServerOptions, createRequestListener } from "./http-adapter.js";

export interface LocalPlatformOptions {
  home?: string;
  port?: number;
  host?: string;
}

export interface LocalPlatform {
  url: string;
  home: string;
  adminToken: string;
  mintToken(options: {
    role?: Role;
    groups?: string[];
    username?: string;
    expiresInSeconds?: number;
  }): Promise<string>;
  stop(): Promise<void>;
}

const TABLE_NAME = "mcpflow";

/** Placeholders where AWS would have real ARNs: the compiled ASL is the same, only these values differ. */
const LOCAL_TARGET = {
  clusterArn: "arn:aws:ecs:local:000000000000:cluster/mcpflow-local",
  subnets: ["subnet-local"],
  securityGroups: ["sg-local"],
  remoteInvokerArn: "arn:aws:lambda:local:000000000000:function:mcpflow-local-remote-mcp",
  runnerContainerName: "runner",
};

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function loadHandlers(): Promise<Record<ApiArea, AreaHandler>> {
  const [registry, identity, meta, mcds, search, workflows, runs] = await Promise.all([
    import("../functions/api/registry.js"),
    import("../functions/api/identity.js"),
    import("../functions/api/meta.js"),
    import("../functions/api/mcds.js"),
    import("../functions/api/search.js"),
    import("../functions/api/workflows.js"),
    import("../functions/api/runs.js"),
  ]);
  return {
    registry: registry.handler,
    identity: identity.handler,
    meta: meta.handler,
    mcds: mcds.handler,
    search: search.handler,
    workflows: workflows.handler,
    runs: runs.handler,
  } as Record<ApiArea, AreaHandler>;
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const home = resolve(options.home ?? process.env.MCPFLOW_HOME ?? ".mcpflow");
  await mkdir(join(home, "data"), { recursive: true, mode: 0o700 });

  const store = dynalite({ path: join(home, "data"), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const storePort = await listen(store as unknown as Server, 0, "127.0.0.1");
  const table = createTable({ name: TABLE_NAME, endpoint: `http://127.0.0.1:${storePort}` });
  await ensureTable(table);

  const key = await loadOrCreateSigningKey(home);
  const orchestrator = new LocalOrchestrator();
  const secrets = createFileSecretStore(join(home, "secrets.json"));
  const platform: Platform = {
    mode: "local",
    orchestrator,
    tasks: createLocalTaskLauncher(),
    target: LOCAL_TARGET,
    table,
    verifier: createLocalTokenVerifier(jwksOf(key)),
    blobs: createFileBlobStore(join(home, "blobs")),
    secrets,
    prober: createInProcessProber(secrets),
  };
  orchestrator.attach(platform);
  setPlatform(platform);
  const recovered = await orchestrator.recover();
  if (recovered > 0) logger.warn("runs interrupted by the last stop were marked FAILED", { runs: recovered });

  const adminToken = await mintLocalToken(key, {
    sub: "local-admin",
    username: "local-admin",
    groups: ["admin"],
  });
  const tokenPath = join(home, "dev-token");
  await writeFile(tokenPath, `${adminToken}\n`, { mode: 0o600 });
  await chmod(tokenPath, 0o600);

  const handlers = await loadHandlers();
  // After the handlers are loaded, so every search source they register is read: the index starts complete.
  await rebuildSearchIndex(await getPlatform());
  const server = createServer(
    apiServerOptions(),
    createRequestListener(handlers, { authenticate: (headers) => authenticate(platform, headers) }),
  );
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? Number(process.env.PORT ?? 3000), host);

  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    home,
    adminToken,
    mintToken: ({ role, groups, username, expiresInSeconds }) =>
      mintLocalToken(key, {
        sub: username ?? `local-${role ?? "user"}`,
        username: username ?? `local-${role ?? "user"}`,
        groups: groups ?? (role ? [role] : []),
        ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
      }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await orchestrator.shutdown();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await new Promise<void>((done) => (store as unknown as Server).close(() => done()));
      setPlatform(undefined);
    },
  };
}
