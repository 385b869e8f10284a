// The invoker's second job: probing a server version for the registry function (see shared/mcp/prober.ts). It
// reads the runtime from the registry itself, so the request carries references only, and resolves the server's
// secrets in memory as it does for a tool call.

import { logger } from "../../shared/log.js";
import { createInProcessProber } from "../../shared/mcp/in-process-prober.js";
import {
  type ProbeAnswer,
  type ProbeRequest,
  probeFailureOf,
  reachableFromLambda,
  type ToolCallAnswer,
  type ToolCallRequest,
  UnsupportedProbeError,
} from "../../shared/mcp/prober.js";
import { getPlatform, type Platform } from "../../shared/platform.js";
import { runtimeAllowedHosts } from "../../shared/registry/runtime-policy.js";
import { ServerVersions } from "../../shared/registry/server-versions.js";

/** The registry function's own wait is bounded by API Gateway (29 s); a probe never needs longer than this. */
const MAX_PROBE_MS = 25_000;

/**
 * A tool-call run's step, for the registry function: executed here as in process, remote servers only (the step is
 * recorded FAILED with the reason for others).
 */
export function createToolCallHandler(deps: { platform?: () => Promise<Platform> } = {}) {
  const platformOf = deps.platform ?? getPlatform;
  return async function call(event: ToolCallRequest): Promise<ToolCallAnswer> {
    const platform = await platformOf();
    const prober = createInProcessProber(platform, {
      allowedHosts: () => runtimeAllowedHosts(platform.table),
      remoteOnly: true,
    });
    const startTimeoutMs = Math.min(
      Math.max(1000, Number(event.call.startTimeoutMs) || 10_000),
      MAX_PROBE_MS,
    );
    const answer = await prober.call(event.call.refs, { startTimeoutMs });
    logger.info("tool called", { ...event.call.refs, status: answer.status });
    return answer;
  };
}

export function createProbeHandler(deps: { platform?: () => Promise<Platform> } = {}) {
  const platformOf = deps.platform ?? getPlatform;
  return async function probe(event: ProbeRequest): Promise<ProbeAnswer> {
    const { name, version } = event.probe;
    const timeoutMs = Math.min(Math.max(1000, Number(event.probe.timeoutMs) || MAX_PROBE_MS), MAX_PROBE_MS);
    const platform = await platformOf();
    try {
      const record = await new ServerVersions(platform.table).getVersionToRun(name, version);
      if (!record.runtime || !reachableFromLambda(record.runtime)) {
        throw new UnsupportedProbeError(
          `${name}@${version} is not a remote server; on AWS only a streamable-http runtime with a url can be ` +
            "probed (a stdio or container server starts only inside its Fargate task).",
        );
      }
      const prober = createInProcessProber(platform, {
        allowedHosts: () => runtimeAllowedHosts(platform.table),
      });
      const result = await prober.probe({ name, version, runtime: record.runtime }, { timeoutMs });
      logger.info("probed", { server: name, version, tools: result.tools.length });
      return { ok: true, result };
    } catch (error) {
      const failure = probeFailureOf(error);
      logger.warn("probe failed", { server: name, version, kind: failure.kind });
      return { ok: false, error: failure };
    }
  };
}
