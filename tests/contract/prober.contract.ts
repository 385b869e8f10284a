// The Prober contract: what every adapter (in process, the invoker Lambda) must do alike for a remote server.
// Called once per adapter with a registry that already holds the versions probed (the Lambda adapter's invoker
// reads the runtime from it). A stdio server is the one difference: only an in-process prober can start it.
import { describe, expect, it } from "vitest";
import { HTTP_UNREACHABLE } from "../../shared/mcp/connect.js";
import { isMcpFailure } from "../../shared/mcp/errors.js";
import { ProbeResult } from "../../shared/mcp/probe-result.js";
import { type Prober, type ProbeTarget, UnsupportedProbeError } from "../../shared/mcp/prober.js";
import type { Platform } from "../../shared/platform.js";
import { newRunId, Runs } from "../../shared/runs/store.js";
import { TOOL_CALL_STEP, TOOL_CALL_WORKFLOW } from "../../shared/runs/tool-call-step.js";
import { MissingSecretError } from "../../shared/secrets/port.js";

export interface ProberFixture {
  prober: Prober;
  /** server-everything over Streamable HTTP, no secrets. */
  remote: ProbeTarget;
  /** The same server, with a header from a secret that is not set. */
  needsSecret: ProbeTarget;
  /** A Streamable HTTP URL where nothing listens. */
  unreachable: ProbeTarget;
  /** server-everything over stdio. */
  stdio: ProbeTarget;
  /** Whether this adapter can start a stdio server. */
  startsStdio: boolean;
  /** Where tool-call runs are recorded (the targets are approved to run). */
  platform: Platform;
}

/** A tool-call run of `target`'s echo, as shared/runs/tool-call.ts creates it; answers its step refs. */
async function echoRun(platform: Platform, target: ProbeTarget, message: string) {
  const runId = newRunId();
  await new Runs(platform).create({
    id: runId,
    workflow: TOOL_CALL_WORKFLOW,
    version: 1,
    input: { server: { name: target.name, version: target.version }, tool: "echo", arguments: { message } },
    startedBy: "user:operator",
  });
  return { runId, stepId: TOOL_CALL_STEP, workflow: TOOL_CALL_WORKFLOW, workflowVersion: 1 };
}

const OPTIONS = { timeoutMs: 15_000 };

export function proberContract(name: string, fixture: () => ProberFixture): void {
  describe(`Prober contract: ${name}`, () => {
    it("reports a remote server's identity, tools, resources and prompts", async () => {
      const { prober, remote } = fixture();
      const result = await prober.probe(remote, OPTIONS);
      expect(ProbeResult.safeParse(result).success).toBe(true);
      expect(result.serverInfo.name).toBe("mcp-servers/everything");
      expect(result.tools.map((t) => t.name)).toContain("echo");
      expect(result.tools.find((t) => t.name === "echo")?.inputSchema).toMatchObject({
        required: ["message"],
      });
      expect(result.prompts.length).toBeGreaterThan(0);
      expect(Date.parse(result.probedAt)).not.toBeNaN();
    }, 30_000);

    it("throws MissingSecretError naming the keys when a referenced secret is not set", async () => {
      const { prober, needsSecret } = fixture();
      const error = await prober.probe(needsSecret, OPTIONS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingSecretError);
      expect((error as MissingSecretError).keys).toEqual(["api_key"]);
      expect((error as MissingSecretError).server).toBe(needsSecret.name);
    });

    it("throws an MCP failure naming the cause when the server cannot be reached", async () => {
      const { prober, unreachable } = fixture();
      const error = await prober.probe(unreachable, OPTIONS).catch((e: unknown) => e);
      expect(isMcpFailure(error)).toBe(true);
      expect((error as Error).message).toContain(HTTP_UNREACHABLE);
    });

    it("starts a stdio server where it can, and otherwise says it cannot", async () => {
      const { prober, stdio, startsStdio } = fixture();
      if (startsStdio) {
        const result = await prober.probe(stdio, OPTIONS);
        expect(result.tools.map((t) => t.name)).toContain("echo");
      } else {
        await expect(prober.probe(stdio, OPTIONS)).rejects.toBeInstanceOf(UnsupportedProbeError);
      }
    }, 30_000);

    it("calls a tool as a tool-call run's step: the step record holds the output; a stdio server only where it can start", async () => {
      const { prober, platform, remote, stdio, startsStdio } = fixture();
      const runs = new Runs(platform);
      const refs = await echoRun(platform, remote, `over http via ${name}`);
      expect(await prober.call(refs, { startTimeoutMs: 15_000 })).toEqual({ status: "SUCCEEDED" });
      const [step] = (await runs.get(refs.runId, { steps: true })).steps ?? [];
      expect(step).toMatchObject({ stepId: "call", tool: "echo", status: "SUCCEEDED", attempts: 1 });
      expect((step?.output as { text?: string } | undefined)?.text).toContain(`over http via ${name}`);

      const local = await echoRun(platform, stdio, "over stdio");
      const answer = await prober.call(local, { startTimeoutMs: 15_000 });
      const [stdioStep] = (await runs.get(local.runId, { steps: true })).steps ?? [];
      if (startsStdio) {
        expect(answer).toEqual({ status: "SUCCEEDED" });
        expect(stdioStep?.status).toBe("SUCCEEDED");
      } else {
        expect(answer.status).toBe("FAILED");
        expect(stdioStep?.status).toBe("FAILED");
        expect(stdioStep?.error?.cause).toMatch(/not a remote server/);
      }
    }, 30_000);
  });
}
