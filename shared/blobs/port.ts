// Large payloads (tool outputs, MCD bodies) live outside the table: S3 on AWS, a folder locally.
export interface BlobStore {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** Undefined when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
}

/** Keys are path-like (`runs/<id>/steps/<step>.json`); anything that could escape a folder is refused. */
export function assertBlobKey(key: string): void {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$/.test(key) ||
    key.split("/").some((part) => part === ".." || part === "")
  ) {
    throw new Error(`Invalid blob key: ${key}`);
  }
}
