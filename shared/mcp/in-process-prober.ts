// Probing in this process: secrets are resolved in memory, a stdio server is started as a child process, a remote
// one is reached over Streamable HTTP. The embedded platform uses it, and so does the remote-MCP invoker Lambda
// (for remote servers only) when the registry function asks it to probe.
import { materializeRuntime } from "../registry/materialize.js";
import type { SecretStore } from "../secrets/port.js";
import { probeServer } from "./probe.js";
import type { Prober } from "./prober.js";
import type { SpawnWatcher } from "./process-tree.js";

export function createInProcessProber(secrets: SecretStore, processes?: SpawnWatcher): Prober {
  return {
    async probe(target, { timeoutMs }) {
      const { runtime } = await materializeRuntime(target.runtime, target.name, secrets);
      return probeServer(runtime, { timeoutMs, ...(processes ? { processes } : {}) });
    },
  };
}
