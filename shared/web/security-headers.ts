// The console's security headers, one list for both hosts: the embedded platform sends them with every console
// file, and the web stack's CloudFront response-headers policy is built from the same values.

export interface ConsoleHeaderOptions {
  /** Origins the console may call besides its own: the API stage and Cognito on AWS; none locally. */
  connectSrc: string[];
}

/** The Content-Security-Policy: scripts only from the console's origin, no plugins, no framing. */
export function consoleContentSecurityPolicy(options: ConsoleHeaderOptions): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // The editors (CodeMirror) and the graph (React Flow) set styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...options.connectSrc].join(" ")}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function consoleSecurityHeaders(options: ConsoleHeaderOptions): Record<string, string> {
  return {
    "content-security-policy": consoleContentSecurityPolicy(options),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // The sign-in link's code is in the fragment, which is never sent; no page's URL leaks to another origin.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
  };
}
