// The store thread's entry (local/store-thread.ts): its TypeScript runs through tsx, as bin/mcpflow.js runs the CLI,
// whether the platform was started by `node --import tsx`, by tsx or by vitest — a thread starts without its loader.
import { register } from "tsx/esm/api";

register();
await import("./store-worker.ts");
