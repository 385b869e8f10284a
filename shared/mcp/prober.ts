// The probe port: where a server version is started (or reached) to ask what it offers. The embedded platform
// probes in its own process; on AWS the registry function asks the remote-MCP invoker Lambda, which already holds
// the MCP client and the rights to read server secrets, so neither is in the API bundle or the API's role.
//
// A probe that fails must fail the same way on both: the answer crossing the Lambda boundary carries the error's
// kind, and `probeResultOf` throws the same error classes the in-process probe throws.
//
// The same place calls one tool for a tool-call run (shared/runs/tool-call.ts): the step protocol (executeStep) runs
// where the server can be reached, records the step, and the answer only says how it ended.
import type { Runtime } from "../registry/schema.js";
import type { StepRefs } from "../runs/step-call.js";
import { MissingSecretError } from "../secrets/port.js";
import { McpServerError, McpTimeoutError, McpToolError } from "./errors.js";
import type { ProbeResult } from "./probe-result.js";

export interface ProbeTarget {
  name: string;
  version: string;
  /** The runtime as stored: `{secret}` references, no values. */
  runtime: Runtime;
}

export interface Prober {
  probe(target: ProbeTarget, options: { timeoutMs: number }): Promise<ProbeResult>;
  /**
   * Executes the one step of a tool-call run (executeStep: load, record, connect, call, record the end). The step's
   * record is the outcome; `startTimeoutMs` bounds the server's start, the step's timeout bounds the call.
   */
  call(refs: StepRefs, options: { startTimeoutMs: number }): Promise<ToolCallAnswer>;
}

/** How a tool-call step ended; what it answered (masked) is in its step record. */
export type ToolCallAnswer = { status: "SUCCEEDED" } | { status: "FAILED"; error: string };

/** Asked of a prober in another process: the step of a tool-call run, by reference. */
export interface ToolCallRequest {
  call: { refs: StepRefs; startTimeoutMs: number };
}

/** A Lambda function can reach a server over HTTP; it cannot start a stdio server or a server's container. */
export function reachableFromLambda(runtime: Runtime): boolean {
  return runtime.transport === "streamable-http" && runtime.url !== undefined;
}

export function isToolCallRequest(event: unknown): event is ToolCallRequest {
  return typeof event === "object" && event !== null && "call" in event;
}

/** Asked of a prober in another process: references only; it reads the runtime from the registry itself. */
export interface ProbeRequest {
  probe: { name: string; version: string; timeoutMs: number };
}

export type ProbeFailure =
  | { kind: "missing-secret"; message: string; server: string; keys: string[] }
  | { kind: "server"; message: string; stderrTail: string[] }
  | { kind: "timeout"; message: string; timeoutMs: number }
  | { kind: "tool"; message: string; toolName: string; text: string }
  | { kind: "unsupported"; message: string };

export type ProbeAnswer = { ok: true; result: ProbeResult } | { ok: false; error: ProbeFailure };

/** Raised where a prober cannot start this kind of server (a stdio server inside a Lambda function). */
export class UnsupportedProbeError extends Error {
  override name = "UnsupportedProbeError";
}

export function isProbeRequest(event: unknown): event is ProbeRequest {
  return typeof event === "object" && event !== null && "probe" in event;
}

/** The answer for an error a probe threw; errors outside the known kinds are rethrown (the caller logs them). */
export function probeFailureOf(error: unknown): ProbeFailure {
  if (error instanceof MissingSecretError) {
    return { kind: "missing-secret", message: error.message, server: error.server, keys: error.keys };
  }
  if (error instanceof McpToolError) {
    return { kind: "tool", message: error.message, toolName: error.toolName, text: error.text };
  }
  if (error instanceof McpServerError) {
    return { kind: "server", message: error.message, stderrTail: error.stderrTail };
  }
  if (error instanceof McpTimeoutError) {
    return { kind: "timeout", message: error.message, timeoutMs: error.timeoutMs };
  }
  if (error instanceof UnsupportedProbeError) return { kind: "unsupported", message: error.message };
  throw error;
}

/** The result of an answer, or the error the in-process probe would have thrown. */
export function probeResultOf(answer: ProbeAnswer): ProbeResult {
  if (answer.ok) return answer.result;
  const failure = answer.error;
  switch (failure.kind) {
    case "missing-secret":
      throw new MissingSecretError(failure.server, failure.keys);
    case "tool":
      throw new McpToolError(failure.toolName, failure.text);
    case "server":
      throw new McpServerError(failure.message, { stderrTail: failure.stderrTail });
    case "timeout":
      throw new McpTimeoutError(failure.message, failure.timeoutMs);
    case "unsupported":
      throw new UnsupportedProbeError(failure.message);
  }
}
