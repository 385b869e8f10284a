// Which network addresses a server URL may lead to. Pure, no I/O: the publish check reads a URL's literal host with it,
// and the guarded fetch (guard.ts) checks every address DNS gives before a connection is made.
import ipaddr from "ipaddr.js";
import { type RunHostRule, runHostProblem } from "./run-host.js";

export interface AddressPolicy {
  /**
   * Hosts an admin allow-listed: they may resolve to loopback, private, link-local or other non-public addresses.
   * An entry is an exact host name (`mcp.internal.example`) or a suffix after `*.` (`*.corp.example`).
   */
  allowedHosts?: readonly string[];
  /** Plain http to loopback, and loopback addresses at all: for the embedded platform and tests only. */
  allowLoopbackHttp?: boolean;
  /** A run's server task (run-host.ts): only its rule applies, instead of every other. */
  runHost?: RunHostRule;
}

/** Why an address is refused, in words; undefined when it is a public unicast address. */
export function nonPublicKind(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return "not an IP address";
  let parsed = ipaddr.parse(address);
  // ::ffff:169.254.169.254 is the metadata service by another spelling.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  // Everything but plain unicast: loopback, private, linkLocal (169.254.169.254), uniqueLocal (fd00:ec2::254),
  // carrierGradeNat, unspecified (0.0.0.0), multicast, broadcast, reserved, and the IPv6 ranges that embed an IPv4
  // address (6to4, teredo, rfc6052 NAT64), which could carry any of those.
  return range === "unicast" ? undefined : range;
}

export function isLoopback(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === "loopback";
}

/** A URL's host without the brackets of an IPv6 literal. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

export function hostAllowListed(host: string, policy: AddressPolicy): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return (policy.allowedHosts ?? []).some((entry) => {
    const rule = entry
      .toLowerCase()
      .replace(/^\[(.*)\]$/, "$1")
      .replace(/\.$/, "");
    return rule.startsWith("*.") ? name.endsWith(rule.slice(1)) : name === rule;
  });
}

/** Whether a connection to `address`, found for `host`, may be made. */
export function addressAllowed(host: string, address: string, policy: AddressPolicy): boolean {
  // A host is reached by its literal address, never by a name.
  if (policy.runHost) return false;
  if (nonPublicKind(address) === undefined) return true;
  if (hostAllowListed(host, policy)) return true;
  return policy.allowLoopbackHttp === true && isLoopback(address);
}

/**
 * What is wrong with a URL before any lookup: its scheme, or a literal address it names. Plain http only to a
 * loopback host when the platform allows it; https everywhere else (an allow-listed internal host included).
 */
export function urlProblem(url: URL, policy: AddressPolicy): string | undefined {
  if (policy.runHost) return runHostProblem(url, policy.runHost);
  const host = bareHost(url);
  const literal = ipaddr.isValid(host);
  if (url.protocol === "http:") {
    const loopbackHost = host === "localhost" || (literal && isLoopback(host));
    if (!(policy.allowLoopbackHttp && loopbackHost)) return "must use https";
  } else if (url.protocol !== "https:") {
    return "must use https";
  }
  if (url.username || url.password) return "must not carry credentials in the URL (use a secret header)";
  if (literal && !addressAllowed(host, host, policy)) {
    return `must not name a ${nonPublicKind(host)} address`;
  }
  return undefined;
}

/**
 * The publish-time check: literal addresses that can never be a server's (metadata, link-local, private, CGNAT,
 * unspecified, multicast). Loopback and host names are decided where the request is made, under that host's policy.
 */
export function literalHostProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = bareHost(url);
  if (!ipaddr.isValid(host) || isLoopback(host)) return undefined;
  const kind = nonPublicKind(host);
  return kind ? `must not name a ${kind} address (${host})` : undefined;
}

/** Headers an editor may not set: framing, routing and the transport's own (the session and protocol version). */
const RESERVED_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "expect",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
]);

export function headerProblem(name: string): string | undefined {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return "is not a valid header name";
  if (RESERVED_HEADERS.has(name.toLowerCase())) return "is set by the platform, not by a server definition";
  return undefined;
}
