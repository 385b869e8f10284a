// The `mcp.json` entry an IDE needs to use a server (the shape VS Code's `servers` and most clients read), built
// from the version's server.json: a remote is a URL; a package is the command its registry's runner starts.
// Secret inputs are prompted for (`${input:…}`), never filled in.

interface KeyValue {
  name: string;
  isSecret?: boolean | undefined;
  isRequired?: boolean | undefined;
  description?: string | undefined;
}
interface PackageLike {
  registryType: string;
  identifier: string;
  version?: string | undefined;
  runtimeHint?: string | undefined;
  transport: { type: string; url?: string | undefined };
  environmentVariables?: KeyValue[] | undefined;
}
interface RemoteLike {
  type: string;
  url: string;
  headers?: KeyValue[] | undefined;
}
export interface ServerJsonLike {
  name: string;
  packages?: PackageLike[] | undefined;
  remotes?: RemoteLike[] | undefined;
}

export interface ClientConfig {
  servers: Record<string, Record<string, unknown>>;
  inputs?: { id: string; type: "promptString"; description: string; password: boolean }[];
}

/** The key a client lists the server under: the part after the namespace, e.g. `weather`. */
export function clientKeyOf(name: string): string {
  return name.split("/").pop() || name;
}

export function clientConfigOf(server: ServerJsonLike): ClientConfig | undefined {
  const key = clientKeyOf(server.name);
  const inputs: NonNullable<ClientConfig["inputs"]> = [];
  const prompt = (item: KeyValue) => {
    inputs.push({
      id: item.name,
      type: "promptString",
      description: item.description ?? item.name,
      password: item.isSecret === true,
    });
    return `\${input:${item.name}}`;
  };
  const remote = server.remotes?.[0];
  if (remote) {
    const entry: Record<string, unknown> = { type: remote.type === "sse" ? "sse" : "http", url: remote.url };
    if (remote.headers?.length) {
      entry.headers = Object.fromEntries(remote.headers.map((header) => [header.name, prompt(header)]));
    }
    return withInputs({ servers: { [key]: entry } }, inputs);
  }
  const pkg = server.packages?.[0];
  if (!pkg) return undefined;
  const pinned = pkg.version ? `${pkg.identifier}@${pkg.version}` : pkg.identifier;
  let entry: Record<string, unknown>;
  switch (pkg.registryType) {
    case "npm":
      entry = { type: "stdio", command: pkg.runtimeHint ?? "npx", args: ["-y", pinned] };
      break;
    case "pypi":
      entry = {
        type: "stdio",
        command: pkg.runtimeHint ?? "uvx",
        args: [pkg.version ? `${pkg.identifier}==${pkg.version}` : pkg.identifier],
      };
      break;
    case "oci":
      entry = {
        type: "stdio",
        command: "docker",
        args: ["run", "-i", "--rm", pkg.version ? `${pkg.identifier}:${pkg.version}` : pkg.identifier],
      };
      break;
    default:
      entry = { type: "stdio", command: pkg.runtimeHint ?? pkg.identifier, args: [] };
  }
  if (pkg.transport.type !== "stdio" && pkg.transport.url) entry = { type: "http", url: pkg.transport.url };
  if (pkg.environmentVariables?.length) {
    entry.env = Object.fromEntries(
      pkg.environmentVariables.map((variable) => [variable.name, prompt(variable)]),
    );
  }
  return withInputs({ servers: { [key]: entry } }, inputs);
}

function withInputs(config: ClientConfig, inputs: NonNullable<ClientConfig["inputs"]>): ClientConfig {
  return inputs.length > 0 ? { ...config, inputs } : config;
}
