// Profiles and their credentials in the user's config directory (XDG: $XDG_CONFIG_HOME/mcpflow, else
// ~/.config/mcpflow; %APPDATA%\mcpflow on Windows; MCPFLOW_CONFIG_DIR overrides). One JSON file, mode 0600 in a 0700
// directory, replaced atomically, so a crash mid-write leaves the old file and a token is never world-readable.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError, EXIT } from "./errors.js";

/** How a profile signs in; what `login` stored. */
export type Credentials =
  | { type: "token"; token: string }
  | { type: "api-key"; apiKey: string }
  | {
      type: "oidc";
      /** The authorization server's metadata as discovered at login (token endpoint for refreshes). */
      server: Record<string, unknown>;
      clientId: string;
      /** Set for client credentials (machines): a new token is fetched when the old one expires. */
      clientSecret?: string;
      grant: "authorization_code" | "client_credentials";
      accessToken: string;
      refreshToken?: string;
      /** Epoch seconds. */
      expiresAt?: number;
    };

export interface Profile {
  apiUrl?: string;
  credentials?: Credentials;
}

export interface ConfigFile {
  currentProfile?: string;
  profiles: Record<string, Profile>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCPFLOW_CONFIG_DIR) return env.MCPFLOW_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "mcpflow");
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "mcpflow");
  return join(homedir(), ".config", "mcpflow");
}

export const configFile = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), "config.json");

export async function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(configFile(env), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as ConfigFile;
    return { ...parsed, profiles: parsed.profiles ?? {} };
  } catch {
    throw new CliError(`${configFile(env)} is not valid JSON.`, {
      hint: "fix or remove it, then `mcpflow login` again",
      exit: EXIT.error,
    });
  }
}

export async function writeConfig(config: ConfigFile, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = configFile(env);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; a leftover temporary keeps its own mode.
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** The profile a command uses: --profile, then MCPFLOW_PROFILE, then the one `login` made current, then `default`. */
export function profileName(flag: string | undefined, config: ConfigFile, env = process.env): string {
  return flag ?? env.MCPFLOW_PROFILE ?? config.currentProfile ?? "default";
}
