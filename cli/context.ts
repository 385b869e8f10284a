// What every command works with: the profile, the API URL and credentials it resolves to, the typed API client
// (shared/api/client, as the console uses), the output format and the streams.
import { type ApiClient, createApiClient } from "../shared/api/client/index.js";
import { type ConfigFile, type Profile, profileName, readConfig, writeConfig } from "./config.js";
import { CliError, EXIT, type Problem, problemError } from "./errors.js";
import { type Format, type Io, parseFormat, print, type View } from "./output.js";

/** Where `npm start` listens: PORT, as it reads it, else 3000. */
export const defaultApiUrl = (env: NodeJS.ProcessEnv) => `http://127.0.0.1:${env.PORT ?? 3000}`;

export interface GlobalOptions {
  profile?: string;
  apiUrl?: string;
  output?: string;
}

export class Context {
  readonly format: Format;
  /** Whether -o was given: a command's default view may differ from what a script asked for. */
  readonly formatGiven: boolean;

  private constructor(
    readonly io: Io,
    readonly options: GlobalOptions,
    private config: ConfigFile,
    readonly profile: string,
  ) {
    this.formatGiven = options.output !== undefined;
    this.format = parseFormat(options.output ?? "table");
  }

  static async create(io: Io, options: GlobalOptions): Promise<Context> {
    const config = await readConfig(io.env);
    return new Context(io, options, config, profileName(options.profile, config, io.env));
  }

  get env() {
    return this.io.env;
  }

  get hasNoCurrentProfile(): boolean {
    return this.config.currentProfile === undefined;
  }

  get stored(): Profile {
    return this.config.profiles[this.profile] ?? {};
  }

  /** --api-url, then MCPFLOW_URL, then the profile's, then where `npm start` listens (PORT, else 3000). */
  get apiUrl(): string {
    return this.options.apiUrl ?? this.env.MCPFLOW_URL ?? this.stored.apiUrl ?? defaultApiUrl(this.env);
  }

  async saveProfile(profile: Profile | undefined, makeCurrent = false): Promise<void> {
    const config = await readConfig(this.env);
    if (profile) config.profiles[this.profile] = profile;
    else delete config.profiles[this.profile];
    if (makeCurrent) config.currentProfile = this.profile;
    await writeConfig(config, this.env);
    this.config = config;
  }

  /** MCPFLOW_API_KEY, then MCPFLOW_TOKEN, then what the profile stored (renewed if it expired). */
  async credentials(): Promise<{ token?: string; apiKey?: string }> {
    if (this.env.MCPFLOW_API_KEY) return { apiKey: this.env.MCPFLOW_API_KEY };
    if (this.env.MCPFLOW_TOKEN) return { token: this.env.MCPFLOW_TOKEN };
    const credentials = this.stored.credentials;
    if (!credentials) return {};
    if (credentials.type === "token") return { token: credentials.token };
    if (credentials.type === "api-key") return { apiKey: credentials.apiKey };
    // Loaded here: most commands never need the OpenID Connect client, and each command pays for what it loads.
    const { currentAccessToken } = await import("./oidc.js");
    const { token, renewed } = await currentAccessToken(credentials);
    if (renewed) await this.saveProfile({ ...this.stored, credentials: renewed });
    return { token };
  }

  async client(): Promise<ApiClient> {
    return createApiClient({
      baseUrl: this.apiUrl,
      ...(await this.credentials()),
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(input, init).catch((error: unknown) => {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          throw new CliError(
            `Cannot reach the mcpflow API at ${this.apiUrl} (${cause?.code ?? cause?.message ?? String(error)}).`,
            { hint: "is the platform running? set --api-url or MCPFLOW_URL", exit: EXIT.error },
          );
        }),
    });
  }

  /** Progress and notes for people: stderr, so stdout stays data. */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** One page of a list: its rows as data, and on stderr how to ask for the next page when there is one. */
  page<T>(rows: T[], view: View<T>, nextCursor: string | undefined): void {
    print(this.io, this.format, rows, view);
    if (nextCursor) this.note(`more: --cursor ${nextCursor}`);
  }
}

/** The list filters a command was given, by the API's query names: options left unset are not sent. */
export function listQuery<K extends string>(opts: Partial<Record<K, unknown>>, keys: readonly K[]): never {
  const query: Record<string, unknown> = {};
  for (const key of keys) if (opts[key] !== undefined) query[key] = opts[key];
  return query as never;
}

/** The answer's data, or the API's problem as a CliError (exit code from its status). */
export async function ok<T>(
  what: string,
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw problemError(response.status, error as Problem | undefined, what);
  return data as T;
}
