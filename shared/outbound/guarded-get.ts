// A GET under the outbound policy on node's own http client: the URL checked before anything is sent, every address
// DNS gives checked by the guarded lookup before the connection, redirects refused. For callers whose Lambda bundle
// cannot carry undici (guard.ts, ~500 KB): the registry sync reads upstream registries with it.
import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type AddressPolicy, bareHost, urlProblem } from "./address.js";
import { guardedLookup, OutboundRefusedError } from "./lookup.js";

export interface GuardedGetOptions {
  policy: AddressPolicy;
  headers?: Record<string, string>;
  /** Ends the request, and the reading of its body, when it aborts. */
  signal?: AbortSignal;
}

/** The answer's head and its body as a stream; the caller reads (and bounds) the body, or destroys it. */
export async function guardedGet(url: URL, options: GuardedGetOptions): Promise<IncomingMessage> {
  const problem = urlProblem(url, options.policy);
  if (problem) throw new OutboundRefusedError(`${bareHost(url)}: ${problem}`);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const sent = request(url, {
      method: "GET",
      headers: options.headers,
      lookup: guardedLookup(options.policy) as never,
      // One connection per request: nothing pooled outlives the sync, and no socket is reused across hosts.
      agent: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    sent.once("response", resolve);
    sent.once("error", reject);
    sent.end();
  });
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    response.destroy();
    throw new OutboundRefusedError(`${bareHost(url)} answered with a redirect, which is not followed`);
  }
  return response;
}
