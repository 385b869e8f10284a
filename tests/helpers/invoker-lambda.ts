// Lambda cannot run here (moto's Lambda needs Docker), so a synchronous Invoke of the remote-MCP invoker is played by
// aws-sdk-client-mock: the payload goes, as bytes, to the real invoker handler in this process, and its answer comes
// back as bytes, as Lambda would return it. Every invocation is recorded.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";

export interface InvokerLambda {
  /** `{ functionName, event }` of each Invoke, in order. */
  readonly invocations: { functionName: string; event: unknown }[];
  restore(): void;
}

export async function routeInvokesToInvoker(): Promise<InvokerLambda> {
  // The invoker module builds its SFN client at import; callers import it after their platform is set.
  const { handler } = await import("../../functions/invoker/remote-mcp.js");
  const lambda = mockClient(LambdaClient);
  const invocations: InvokerLambda["invocations"] = [];
  lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload));
    invocations.push({ functionName: input.FunctionName, event });
    const answer = await handler(event);
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer)) };
  });
  return { invocations, restore: () => lambda.restore() };
}
