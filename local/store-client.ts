// How the embedded platform reaches its store: dynalite on a Unix socket inside the 0700 home, rather than on a
// loopback port that every server process could reach (decision 0005).
import { Agent, type AgentOptions } from "node:http";
import { createTable, type Table } from "../shared/store/table.js";

/** The host name requests to a store on a Unix socket carry; only the socket decides where they go. */
const SOCKET_ENDPOINT = "http://mcpflow-store.local";

/**
 * dynalite takes any credentials (it checks that an Authorization header is well formed, not its signature), and the
 * socket is the platform uid's alone: signing each request (SigV4: two hashes and five HMACs) and building a user
 * agent for it was half of a store call's CPU, which the embedded platform pays on every API request and every step
 * of a run (bench/run-starts.ts). The header is the shape dynalite checks.
 */
const UNSIGNED = {
  async sign<R extends { headers: Record<string, string> }>(request: R): Promise<R> {
    request.headers.authorization =
      "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";
    request.headers["x-amz-date"] = "20000101T000000Z";
    return request;
  },
};

export function createSocketTable(name: string, socketPath: string): Table {
  const table = createTable({
    name,
    endpoint: SOCKET_ENDPOINT,
    client: {
      // Node's Agent hands its options to net.createConnection, which connects to `socketPath` (not in its type).
      requestHandler: { httpAgent: new Agent({ keepAlive: true, socketPath } as AgentOptions) },
      signer: UNSIGNED,
    },
  });
  // The document client shares its client's middleware stack.
  table.doc.middlewareStack.remove("getUserAgentMiddleware");
  return table;
}
