// `npm run seed`: loads the example servers and workflows into a running platform (MCPFLOW_URL, default
// http://127.0.0.1:3000) with the local admin token, approving their runtimes as it publishes them, probes the
// servers, and says how to start a run.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const url = process.env.MCPFLOW_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const home = resolve(process.env.MCPFLOW_HOME ?? join(root, ".mcpflow"));
const token = process.env.MCPFLOW_TOKEN ?? (await readToken(join(home, "dev-token")));

/** The admin token `npm start` wrote; without it there is nothing to do but say which platform to start. */
async function readToken(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    process.stderr.write(
      `mcpflow seed: no admin token at ${file}: start the platform first (npm start, in another terminal, with the same MCPFLOW_HOME), or set MCPFLOW_TOKEN\n`,
    );
    process.exit(1);
  }
}

async function call(method: string, path: string, body?: string, contentType = "application/json") {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": contentType } : {}) },
    body,
  }).catch(() => {
    process.stderr.write(
      `mcpflow seed: nothing answers at ${url}: start the platform first (npm start, in another terminal), with the same PORT, or set MCPFLOW_URL\n`,
    );
    process.exit(1);
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The examples run servers from this repository's node_modules; absolute paths work from any directory. */
function localise(server: Record<string, unknown>): Record<string, unknown> {
  const runtime = server.runtime as { args?: string[] } | undefined;
  if (!runtime) return server;
  const args = runtime.args?.map((arg) => (arg.startsWith("node_modules/") ? join(root, arg) : arg));
  return { ...server, runtime: { ...runtime, ...(args ? { args } : {}) } };
}

for (const file of (await readdir(join(root, "examples/servers"))).sort()) {
  const server = localise(JSON.parse(await readFile(join(root, "examples/servers", file), "utf8")));
  // An admin's publish carries its approval: the example runtimes may then be probed and run (decision 0004).
  const published = await call("POST", "/v1/servers?approve=true", JSON.stringify(server));
  const name = encodeURIComponent(String(server.name));
  const probe = await call("POST", `/v1/servers/${name}/versions/${server.version}/probe`);
  const tools = (probe.body.tools as unknown[] | undefined)?.length;
  console.log(
    `server ${server.name}@${server.version}: ${published.status === 201 ? "published" : published.status === 409 ? "already there" : `HTTP ${published.status} ${JSON.stringify(published.body)}`}; probe ${probe.status === 200 ? `${tools} tools` : `HTTP ${probe.status} ${probe.body.detail}`}`,
  );
}

for (const file of (await readdir(join(root, "examples/workflows"))).sort()) {
  const text = await readFile(join(root, "examples/workflows", file), "utf8");
  const type = file.endsWith(".json") ? "application/json" : "application/yaml";
  const created = await call("POST", "/v1/workflows", text, type);
  const name = String(created.body.name ?? file.replace(/\.(json|ya?ml)$/, ""));
  const outcome =
    created.status === 201
      ? "saved version 1"
      : created.status === 409
        ? "already there"
        : `HTTP ${created.status} ${JSON.stringify(created.body)}`;
  console.log(`workflow ${name}: ${outcome}`);
}

console.log(`
Start a run and read its result:
  TOKEN=$(cat ${join(home, "dev-token")})
  RUN=$(curl -s -X POST ${url}/v1/workflows/everything-diamond/runs -H "Authorization: Bearer $TOKEN" \\
    -H 'content-type: application/json' -d '{"input":{"name":"Ada","a":2,"b":3,"words":["alpha","beta"]}}' | jq -r .id)
  curl -s ${url}/v1/runs/$RUN -H "Authorization: Bearer $TOKEN"`);
