// The outbound policy where a connection is made, without an HTTP client: the refusal, the platform's policy and
// the DNS lookup that checks every address before a connection. guard.ts (undici, for the MCP SDK's fetch) and
// guarded-get.ts (node:https, for the registry sync, whose bundle cannot carry undici) both connect through it.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { type AddressPolicy, addressAllowed } from "./address.js";

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
