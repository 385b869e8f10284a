// Credentials MCP servers need. Write-only through the API: values go in, names and dates come out, and only the
// task launcher (locally the process spawner) ever reads a value back.
import * as z from "../zod.js";

export const SecretKey = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, `_`, `.` or `-`"));

export const SecretMetadata = z.object({
  key: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SecretMetadata = z.infer<typeof SecretMetadata>;

export interface SecretStore {
  put(server: string, key: string, value: string): Promise<SecretMetadata>;
  list(server: string): Promise<SecretMetadata[]>;
  /** False when there was nothing to delete. */
  delete(server: string, key: string): Promise<boolean>;
  /** Values for the given keys; a missing key is an error naming it (never a value). */
  resolve(server: string, keys: string[]): Promise<Record<string, string>>;
}

export class MissingSecretError extends Error {
  constructor(
    readonly server: string,
    readonly keys: string[],
  ) {
    super(
      `Server ${server} needs secret(s) ${keys.join(", ")}; set them with PUT /v1/servers/{name}/secrets/{key}.`,
    );
    this.name = "MissingSecretError";
  }
}
