// The console's runtime configuration, read from `/config.json` before anything renders: the embedded platform
// serves it, and on AWS the web-content stack writes it beside the static files, so one build serves every stage.
import { RuntimeConfig } from "./runtime-config.js";

export { RuntimeConfig };

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return RuntimeConfig.parse(await response.json());
}
