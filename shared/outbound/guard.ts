// The one way mcpflow makes a request to a server URL an editor wrote: https, every address DNS gives checked before
// the connection is made and the connection pinned to the checked address (no DNS rebinding between check and
// connect), redirects refused, editor headers limited. The probe, the embedded engine, the remote invoker and the
// runner all reach Streamable HTTP servers through connect.ts, which uses this fetch.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { Agent, fetch as undiciFetch } from "undici";
import { type AddressPolicy, addressAllowed, bareHost, headerProblem, urlProblem } from "./address.js";

export type { AddressPolicy } from "./address.js";

/** A request the policy does not allow. Its message names the rule, never what the remote end said. */
export class OutboundRefusedError extends Error {
  override name = "OutboundRefusedError";
  readonly code = "EMCPFLOW_OUTBOUND_REFUSED";
}

/** The policy the platform runs with: MCPFLOW_ALLOW_LOOPBACK_HTTP=1 lets the embedded platform (and tests) use loopback. */
export function outboundPolicyFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  allowedHosts: readonly string[] = [],
): AddressPolicy {
  const flag = env.MCPFLOW_ALLOW_LOOPBACK_HTTP?.toLowerCase();
  return { allowLoopbackHttp: flag === "1" || flag === "true", allowedHosts };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A dns.lookup for net/tls.connect that refuses a host when any of its addresses is not allowed: checking only the
 * first would let a host with one public and one private record pass the check and connect to the other.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions | number, callback: LookupCallback): void => {
    const wanted: LookupOptions = typeof options === "number" ? { family: options } : options;
    dnsLookup(hostname, { ...wanted, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((a) => !addressAllowed(hostname, a.address, policy));
      if (refused || addresses.length === 0) {
        return callback(
          new OutboundRefusedError(`${hostname} resolves to an address that is not allowed`),
          [],
        );
      }
      if (wanted.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

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
