// The embedded platform: dynalite on a Unix socket with its data under MCPFLOW_HOME, the local signing key,
// and the API handlers behind the HTTP adapter. `npm start` runs it; the integration tests start it in-process.
import "../shared/polyfills.js";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { ALL_ROUTES } from "../shared/api/all-routes.js";
import type { ApiArea } from "../shared/api/areas.js";
import { createFileBlobStore } from "../shared/blobs/file-store.js";
import { createSearch } from "../shared/compose.js";
import { authenticate } from "../shared/http/handler.js";
import {
  jwksOf,
  loadOrCreateCursorKeys,
  loadOrCreateSigningKey,
  mintLocalToken,
} from "../shared/identity/local-keys.js";
import type { Role } from "../shared/identity/roles.js";
import { issueSignInCode, type SignInSubject } from "../shared/identity/sign-in-codes.js";
import { createLocalTokenVerifier } from "../shared/identity/tokens.js";
import { logger } from "../shared/log.js";
import { createInProcessProber } from "../shared/mcp/in-process-prober.js";
import { ProcessRegistry } from "../shared/mcp/process-tree.js";
import { createSandbox } from "../shared/mcp/sandbox.js";
import { type Platform, setPlatform } from "../shared/platform.js";
import { writesBeforeAreStopped } from "../shared/registry/head-projection.js";
import { runFactsHaveSoleWriter } from "../shared/registry/run-facts-memo.js";
import { runtimeAllowedHosts } from "../shared/registry/runtime-policy.js";
import { SyncSources } from "../shared/registry/upstream-sources.js";
import { createFileSecretStore } from "../shared/secrets/file-store.js";
import { ensureTable, tableAnswers } from "../shared/store/table.js";
import { createLocalTaskLauncher } from "../shared/tasks/local-launcher.js";
import { workflowsHaveSoleWriter } from "../shared/workflows/service.js";
import { LocalOrchestrator } from "./engine.js";
import { anotherPlatform, cannotWrite, lockHome, StartupError } from "./home-lock.js";
import { type AreaHandler, apiServerOptions, createRequestListener } from "./http-adapter.js";
import { registrySyncIntervalMs, startRegistrySyncTimer } from "./registry-sync-timer.js";
import { createSocketTable } from "./store-client.js";
import { type StoreThread, startStoreThread } from "./store-thread.js";
import { CONSOLE_DIST } from "./web-build.js";
import { createConsoleListener } from "./web-console.js";

export interface LocalPlatformOptions {
  home?: string;
  port?: number;
  host?: string;
  /** The built web console served at `/` (default web/dist of this checkout); absent files answer 404. */
  consoleRoot?: string;
  /** Every how long every registry sync source is synced; MCPFLOW_REGISTRY_SYNC_MINUTES by default, none when unset. */
  registrySyncIntervalMs?: number;
}

export interface LocalPlatform {
  url: string;
  home: string;
  adminToken: string;
  /** A console link that signs in as the local admin once, within 10 minutes: the code is in the fragment. */
  signInLink(): Promise<string>;
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

/** Listens on a loopback port; answers the port. */
async function listen(server: Server, at: { port: number; host: string }): Promise<number> {
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(at, () => {
      server.off("error", fail);
      done();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function loadHandlers(): Promise<Record<ApiArea, AreaHandler>> {
  const [registry, registrySync, identity, meta, mcds, search, workflows, runs] = await Promise.all([
    import("../functions/api/registry.js"),
    import("../functions/api/registry-sync.js"),
    import("../functions/api/identity.js"),
    import("../functions/api/meta.js"),
    import("../functions/api/mcds.js"),
    import("../functions/api/search.js"),
    import("../functions/api/workflows.js"),
    import("../functions/api/runs.js"),
  ]);
  return {
    registry: registry.handler,
    "registry-sync": registrySync.handler,
    identity: identity.handler,
    meta: meta.handler,
    mcds: mcds.handler,
    search: search.handler,
    workflows: workflows.handler,
    runs: runs.handler,
  } as Record<ApiArea, AreaHandler>;
}

type RequestHandler = ReturnType<typeof createRequestListener>;

/**
 * Where the store listens: a Unix socket in a 0700 folder of the home, not a loopback port. Every server process
 * shares the platform's network, and dynalite takes any credentials, so a port would hand the whole store to any
 * server; the socket is out of reach of another uid and hidden from a namespaced server (decision 0005). The home is
 * locked, so a socket left by a crash is stale and is removed.
 */
async function storeSocket(home: string): Promise<string> {
  const dir = join(home, "run");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const path = join(dir, "store.sock");
  // sockaddr_un holds 108 bytes on Linux and 104 on macOS, terminator included.
  if (Buffer.byteLength(path) > 103) {
    throw new StartupError(
      `MCPFLOW_HOME ${home} is too long a path for the store's socket — use a shorter one`,
    );
  }
  await rm(path, { force: true });
  return path;
}

/** `METHOD /path` of the routes anyone may send a body to (no path parameters among them). */
const PUBLIC_WRITES = new Set(
  ALL_ROUTES.flatMap((table) =>
    Object.values(table)
      .filter((spec) => spec.role === "public" && spec.body !== undefined)
      .map((spec) => `${spec.method} ${spec.path}`),
  ),
);

/** How long stop() lets requests in flight finish before it closes their connections. */
const DRAIN_MS = 2_500;
const HANDLER_GRACE_MS = 1_000;

async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise((done) => {
      timer = setTimeout(done, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Binds the port before anything is written under the home (a taken port leaves the home as it was), then takes the
 * home (one platform per home), reaps server processes a previous instance left, and only then opens the store.
 * Requests that arrive while it starts wait for it.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const home = resolve(options.home ?? process.env.MCPFLOW_HOME ?? ".mcpflow");
  const host = options.host ?? "127.0.0.1";
  const wantedPort = options.port ?? Number(process.env.PORT ?? 3000);
  // Read before anything is bound or written: a bad value is a one-line start error.
  const syncInterval = options.registrySyncIntervalMs ?? registrySyncIntervalMs();
  let ready!: (listener: RequestHandler | undefined) => void;
  const whenReady = new Promise<RequestHandler | undefined>((done) => {
    ready = done;
  });
  // Handlers in flight (not connections): the store must outlive every handler that can still write to it.
  const handling = new Set<Promise<void>>();
  let stopping = false;
  const server = createServer(apiServerOptions(), (req, res) => {
    // A keep-alive client learns with this answer that the connection ends; it reconnects and finds the port closed.
    if (stopping) res.setHeader("connection", "close");
    const handled = (async () => {
      const listener = await whenReady;
      if (listener) await listener(req, res);
      else {
        res.writeHead(503, { "content-type": "application/problem+json", connection: "close" });
        res.end(
          JSON.stringify({ status: 503, title: "Service Unavailable", detail: "mcpflow did not start." }),
        );
      }
    })()
      .catch((error: unknown) => logger.error("request failed", { error }))
      .finally(() => handling.delete(handled));
    handling.add(handled);
  });
  server.keepAliveTimeout = 5_000;
  let port: number;
  try {
    port = await listen(server, { port: wantedPort, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new StartupError(`port ${wantedPort} is taken — set PORT to a free one`);
    if (code === "EACCES")
      throw new StartupError(`port ${wantedPort} needs privileges — set PORT above 1023`);
    throw error;
  }

  let unlock: (() => void) | undefined;
  let store: StoreThread | undefined;
  try {
    unlock = lockHome(home);
    try {
      await mkdir(join(home, "data"), { recursive: true, mode: 0o700 });
      // Only the platform's user may enter its home: server processes run as another (shared/mcp/sandbox.ts).
      await chmod(home, 0o700);
    } catch (error) {
      throw cannotWrite(home, error);
    }
    const processes = new ProcessRegistry(home);
    const reaped = await processes.reap();
    if (reaped > 0) logger.warn("ended server processes that the last instance left running", { reaped });

    const socketPath = await storeSocket(home);
    // In a thread of its own: the store's CPU runs beside the API's rather than on its event loop.
    store = await startStoreThread({ dataPath: join(home, "data"), socketPath });
    const table = createSocketTable(TABLE_NAME, socketPath);
    try {
      await ensureTable(table);
    } catch (error) {
      // LevelDB's LOCK: another process opened the data between our pid check and now.
      if (/lock|closed/i.test(String((error as Error).message))) throw anotherPlatform(home);
      throw error;
    }

    const key = await loadOrCreateSigningKey(home);
    const cursorKeys = await loadOrCreateCursorKeys(home).catch((error: unknown) => {
      throw new StartupError((error as Error).message);
    });
    // Decided once, from what this host allows (decision 0005); every stdio server of runs and probes runs so.
    const sandbox = createSandbox({ hide: [home], packages: resolve("node_modules") });
    if (sandbox.isolation === "none") logger.warn(sandbox.summary);
    else logger.info(sandbox.summary);
    // `handling` counts this very request too while it is answered: a run start's own execution waits for its answer.
    const orchestrator = new LocalOrchestrator({ processes, sandbox, apiBusy: () => handling.size > 0 });
    const mintSession = (subject: SignInSubject, expiresInSeconds: number) =>
      mintLocalToken(key, { ...subject, expiresInSeconds });
    const secrets = createFileSecretStore(join(home, "secrets.json"));
    const blobs = createFileBlobStore(join(home, "blobs"));
    const platform: Platform = {
      mode: "local",
      orchestrator,
      tasks: createLocalTaskLauncher(),
      target: LOCAL_TARGET,
      table,
      health: () => tableAnswers(table),
      sessions: { mint: mintSession },
      verifier: createLocalTokenVerifier(jwksOf(key)),
      blobs,
      secrets,
      cursorKeys: async () => cursorKeys,
      prober: createInProcessProber(
        { secrets, table, blobs },
        { processes, sandbox, allowedHosts: () => runtimeAllowedHosts(table) },
      ),
    };
    orchestrator.attach(platform);
    setPlatform(platform);
    const recovered = await orchestrator.recover();
    if (recovered > 0)
      logger.warn("runs interrupted by the last stop were marked FAILED", { runs: recovered });
    // A registry sync the last instance was running died with it; its source resumes from the committed cursor.
    const released = await new SyncSources(table).releaseAll();
    if (released > 0) logger.warn("registry syncs interrupted by the last stop were released", { released });

    const admin: SignInSubject = { sub: "local-admin", username: "local-admin", groups: ["admin"] };
    const adminToken = await mintLocalToken(key, admin);
    const tokenPath = join(home, "dev-token");
    await writeFile(tokenPath, `${adminToken}\n`, { mode: 0o600 });
    await chmod(tokenPath, 0o600);

    const handlers = await loadHandlers();
    const search = createSearch(platform);
    // The home lock keeps every other platform off this store, so every searchable write goes through this process.
    search.soleWriter();
    // For the same reason, a registry write a previous instance left pending is over: repaired at its first read.
    writesBeforeAreStopped(platform.table);
    // And every approval, grant and policy write: a step checks that its server may run without a store read.
    runFactsHaveSoleWriter(platform.table);
    // And every workflow save and delete: a run start reads nothing of its workflow's latest version.
    workflowsHaveSoleWriter(platform.table);
    await search.rebuild();
    ready(
      createRequestListener(handlers, {
        authenticate: (headers) => authenticate(platform, headers),
        isPublicWrite: (method, path) => PUBLIC_WRITES.has(`${method} ${path}`),
        console: createConsoleListener({
          root: options.consoleRoot ?? CONSOLE_DIST,
          config: { apiUrl: "", auth: { kind: "local" } },
        }),
      }),
    );
    const syncTimer = syncInterval ? startRegistrySyncTimer(platform, syncInterval) : undefined;

    const url = `http://${host}:${port}`;
    const openStore = store;
    const release = unlock;
    let stopped: Promise<void> | undefined;
    return {
      url,
      home,
      adminToken,
      async signInLink() {
        const { code } = await issueSignInCode(table, admin);
        return `${url}/sign-in#code=${code}`;
      },
      mintToken: ({ role, groups, username, expiresInSeconds }) =>
        mintLocalToken(key, {
          sub: username ?? `local-${role ?? "user"}`,
          username: username ?? `local-${role ?? "user"}`,
          groups: groups ?? (role ? [role] : []),
          ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
        }),
      /**
       * Graceful and bounded (about 8 s at most): no new connections; requests in flight answered (up to DRAIN_MS,
       * then their connections are closed); runs stopped, their servers ended and the runs marked; whatever
       * process of this home is still alive killed; the store closed last, once nothing can write to it.
       */
      stop() {
        stopped ??= (async () => {
          stopping = true;
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          await settledWithin([...handling], DRAIN_MS);
          // Past the drain, slow requests lose their connection; their handlers still get a moment to finish.
          server.closeAllConnections();
          await settledWithin([...handling], HANDLER_GRACE_MS);
          await closed;
          // Before the store closes: a sync in progress stops between items and records where it stopped.
          await syncTimer?.stop();
          const marked = await orchestrator.shutdown().catch((error: unknown) => {
            logger.error("stopping runs failed", { error });
            return 0;
          });
          if (marked > 0)
            logger.warn("runs in progress were marked FAILED (Platform.Stopped)", { runs: marked });
          await processes.reap(200);
          await openStore
            .close()
            .catch((error: unknown) => logger.error("closing the store failed", { error }));
          setPlatform(undefined);
          release();
        })();
        return stopped;
      },
    };
  } catch (error) {
    ready(undefined);
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await store?.close().catch(() => undefined);
    unlock?.();
    throw error;
  }
}
