// Probing in this process: secrets are resolved in memory, a stdio server is started as a child process, a remote
// one is reached over Streamable HTTP. The embedded platform uses it, and so does the remote-MCP invoker Lambda
// (for remote servers only) when the registry function asks it to probe.
import { outboundPolicyFromEnv } from "../outbound/guard.js";
import { materializeRuntime } from "../registry/materialize.js";
import type { SecretStore } from "../secrets/port.js";
import { probeServer } from "./probe.js";
import type { Prober } from "./prober.js";
import type { SpawnWatcher } from "./process-tree.js";
import { sandboxFromEnv } from "./sandbox.js";

export interface InProcessProberOptions {
  processes?: SpawnWatcher;
  /** The hosts an admin allow-listed (runtime policy), read at each probe so that a change acts at once. */
  allowedHosts?: () => Promise<readonly string[]>;
}

export function createInProcessProber(secrets: SecretStore, options: InProcessProberOptions = {}): Prober {
  const { processes, allowedHosts } = options;
  return {
    async probe(target, { timeoutMs }) {
      const { runtime, secretValues } = await materializeRuntime(target.runtime, target.name, secrets);
      const outbound = outboundPolicyFromEnv(process.env, allowedHosts ? await allowedHosts() : []);
      return probeServer(runtime, {
        timeoutMs,
        outbound,
        redact: secretValues,
        sandbox: sandboxFromEnv(),
        ...(processes ? { processes } : {}),
      });
    },
  };
}
