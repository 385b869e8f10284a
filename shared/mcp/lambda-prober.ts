// The AWS prober: the registry function invokes the remote-MCP invoker Lambda synchronously with references to the
// server version, and turns its answer back into a result or the error an in-process probe would have thrown.
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { UpstreamError } from "../errors.js";
import {
  type ProbeAnswer,
  type ProbeRequest,
  type Prober,
  probeResultOf,
  type ToolCallAnswer,
  type ToolCallRequest,
} from "./prober.js";

export interface LambdaProberOptions {
  client: Pick<LambdaClient, "send">;
  /** The remote-MCP invoker's ARN (MCPFLOW_REMOTE_INVOKER_ARN). */
  functionName: string;
}

export function createLambdaProber(options: LambdaProberOptions): Prober {
  /** Invokes the invoker synchronously; its answer as JSON, or an UpstreamError naming its failure. */
  async function invoke(request: ProbeRequest | ToolCallRequest): Promise<unknown> {
    // Imported here, not at the top: the Lambda bundle loads only the SDK packages it calls (aws/lazy-client.ts).
    const { InvokeCommand } = await import("@aws-sdk/client-lambda");
    const response = await options.client.send(
      new InvokeCommand({
        FunctionName: options.functionName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : "";
    if (response.FunctionError) {
      // An unhandled error in the prober: Lambda answers {errorType, errorMessage}; the message is the prober's.
      const detail = safeJson(text) as { errorType?: string } | undefined;
      throw new UpstreamError(
        `The probe function failed (${detail?.errorType ?? response.FunctionError}); see its logs.`,
      );
    }
    return safeJson(text);
  }
  return {
    async probe(target, { timeoutMs }) {
      const answer = (await invoke({ probe: { name: target.name, version: target.version, timeoutMs } })) as
        | ProbeAnswer
        | undefined;
      if (!answer || typeof answer.ok !== "boolean") {
        throw new UpstreamError("The probe function answered something that is not a probe answer.");
      }
      return probeResultOf(answer);
    },
    async call(refs, { startTimeoutMs }) {
      const answer = (await invoke({ call: { refs, startTimeoutMs } })) as ToolCallAnswer | undefined;
      if (answer?.status !== "SUCCEEDED" && answer?.status !== "FAILED") {
        throw new UpstreamError("The probe function answered something that is not a tool call's end.");
      }
      return answer;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
