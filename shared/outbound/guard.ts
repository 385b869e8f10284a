// The one way mcpflow makes a request to a server URL an editor wrote: https, every address DNS gives checked before
// the connection is made and the connection pinned to the checked address (no DNS rebinding between check and
// connect), redirects refused, editor headers limited. The probe, the embedded engine, the remote invoker and the
// runner all reach Streamable HTTP servers through connect.ts, which uses this fetch.
import { Agent, fetch as undiciFetch } from "undici";
import { type AddressPolicy, bareHost, headerProblem, urlProblem } from "./address.js";
import { guardedLookup, OutboundRefusedError } from "./lookup.js";

export type { AddressPolicy } from "./address.js";
export { guardedLookup, OutboundRefusedError, outboundPolicyFromEnv } from "./lookup.js";

export interface GuardedFetch {
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** Closes the connections this fetch opened. */
  close(): Promise<void>;
}

/** Throws OutboundRefusedError when the URL or the headers break the policy; nothing is sent then. */
export function checkRequestTarget(url: URL, headers: Record<string, string>, policy: AddressPolicy): void {
  const problem = urlProblem(url, policy);
  if (problem) throw new OutboundRefusedError(`the server URL ${problem}`);
  for (const name of Object.keys(headers)) {
    const header = headerProblem(name);
    if (header) throw new OutboundRefusedError(`the header ${name} ${header}`);
  }
}

/** A fetch for one server's session; its own connection pool, so nothing is shared with another server. */
export function createGuardedFetch(policy: AddressPolicy): GuardedFetch {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy) as never } });
  const guarded = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    // Literal addresses never reach the lookup (net.connect skips it), so they are checked here.
    const problem = urlProblem(url, policy);
    if (problem) throw new OutboundRefusedError(`${bareHost(url)}: ${problem}`);
    const response = (await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: "manual",
      dispatcher: agent,
    })) as unknown as Response;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new OutboundRefusedError(`${bareHost(url)} answered with a redirect, which is not followed`);
    }
    return response;
  };
  return { fetch: guarded, close: () => agent.close() };
}
