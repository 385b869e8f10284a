// Probing in this process: secrets are resolved in memory, a stdio server is started as a child process, a remote
// one is reached over Streamable HTTP. The embedded platform uses it, and so does the remote-MCP invoker Lambda
// (for remote servers only) when the registry function asks it to probe or to call a tool.
import { outboundPolicyFromEnv } from "../outbound/guard.js";
import type { Platform } from "../platform.js";
import { materializeRuntime } from "../registry/materialize.js";
import { executeStep } from "../runs/step-execution.js";
import { connectServer } from "./connect.js";
import { probeServer } from "./probe.js";
import { type Prober, reachableFromLambda, UnsupportedProbeError } from "./prober.js";
import type { SpawnWatcher } from "./process-tree.js";
import type { ChildSandbox } from "./sandbox.js";

export interface InProcessProberOptions {
  processes?: SpawnWatcher;
  /** The hosts an admin allow-listed (runtime policy), read at each probe so that a change acts at once. */
  allowedHosts?: () => Promise<readonly string[]>;
  /** Inside a Lambda function: a tool call reaches remote servers only (reachableFromLambda). */
  remoteOnly?: boolean;
  /** How a stdio server is isolated (sandbox.ts); the embedded platform passes the one it decided at start. */
  sandbox?: ChildSandbox;
}

/** The platform's parts a prober uses: secrets for a server's runtime, the run store for a tool call's records. */
export type ProberPlatform = Pick<Platform, "secrets" | "table" | "blobs">;

export function createInProcessProber(
  platform: ProberPlatform,
  options: InProcessProberOptions = {},
): Prober {
  const { processes, allowedHosts, remoteOnly, sandbox } = options;
  const { secrets } = platform;
  return {
    async probe(target, { timeoutMs }) {
      const { runtime, secretValues } = await materializeRuntime(target.runtime, target.name, secrets);
      const outbound = outboundPolicyFromEnv(process.env, allowedHosts ? await allowedHosts() : []);
      return probeServer(runtime, {
        timeoutMs,
        outbound,
        redact: secretValues,
        ...(sandbox ? { sandbox } : {}),
        ...(processes ? { processes } : {}),
      });
    },
    async call(refs, { startTimeoutMs }) {
      const outcome = await executeStep(refs, {
        store: platform,
        connector: {
          connect: async (call, { signal }) => {
            if (remoteOnly && !reachableFromLambda(call.runtime)) {
              throw new UnsupportedProbeError(
                `${call.server.name}@${call.server.version} is not a remote server; on AWS a tool is called here ` +
                  "only on a streamable-http runtime with a url (others run inside a workflow's Fargate task).",
              );
            }
            const { runtime, secretValues } = await materializeRuntime(
              call.runtime,
              call.server.name,
              secrets,
            );
            const connection = await connectServer(runtime, {
              timeoutMs: startTimeoutMs,
              signal,
              redact: secretValues,
              outbound: outboundPolicyFromEnv(process.env, allowedHosts ? await allowedHosts() : []),
              ...(sandbox ? { sandbox } : {}),
              ...(processes ? { processes } : {}),
            });
            return { connection, secretValues, release: () => connection.close() };
          },
        },
      });
      if (outcome.status === "SUCCEEDED") return { status: "SUCCEEDED" };
      if (outcome.status === "FAILED") return { status: "FAILED", error: outcome.failure.error };
      return { status: "FAILED", error: "Run.Cancelled" };
    },
  };
}
