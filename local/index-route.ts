// `GET /` of the embedded platform for clients that are not browsers (a browser gets the web console, web/): where
// to go next, as JSON; and a small page for a browser when the console is not built.
import type { IncomingMessage, ServerResponse } from "node:http";

/** The entry points a newcomer looks for; every path is served by this platform. */
export const INDEX = {
  name: "mcpflow",
  description: "The embedded mcpflow platform: MCP server registry, MCDs and workflows on Step Functions.",
  links: {
    openapi: "/v1/openapi.json",
    health: "/v1/health",
    me: "/v1/me",
    servers: "/v1/servers",
    workflows: "/v1/workflows",
    runs: "/v1/runs",
    mcds: "/v1/mcds",
    search: "/v1/search",
    mcpRegistry: "/v0.1/servers",
  },
  auth: "Authorization: Bearer <the token npm start printed, also in $MCPFLOW_HOME/dev-token> or x-api-key: <key>",
  docs: "README.md (a tour with curl) and docs/ in the mcpflow repository; docs/first-workflow.md to begin",
  console: "open / in a browser: the web console (sign in with the link npm start printed)",
} as const;

function page(): string {
  const items = Object.entries(INDEX.links)
    .map(([name, path]) => `<li><a href="${path}">${path}</a> — ${name}</li>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpflow</title></head><body>
<h1>mcpflow</h1>
<p>${INDEX.description}</p>
<p>The web console is not built (<code>npm run build:web</code>, or restart <code>npm start</code>). Meanwhile the API:</p>
<ul>
${items}
</ul>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code>: <code>npm start</code> printed it and wrote it to
<code>$MCPFLOW_HOME/dev-token</code>. Start with README.md and docs/first-workflow.md in the repository.</p>
</body></html>
`;
}

/** Answers GET and HEAD `/`: HTML when the client prefers it (a browser), JSON otherwise. */
export function answerIndex(req: IncomingMessage, res: ServerResponse): void {
  const html = /\btext\/html\b/.test(req.headers.accept ?? "");
  const body = html ? page() : `${JSON.stringify(INDEX, null, 2)}\n`;
  res.writeHead(200, {
    "content-type": html ? "text/html; charset=utf-8" : "application/json",
    "content-length": Buffer.byteLength(body),
    "content-security-policy": "default-src 'none'",
    "x-content-type-options": "nosniff",
    vary: "Accept",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
