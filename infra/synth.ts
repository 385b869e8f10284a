// Synthesizing the app in process, as `cdk synth` would: cdk.json's context (feature flags) first, the caller's
// on top, into a scratch directory. Synthesis also runs the cdk-nag validation plugin (it throws on findings).
// The infra tests and the bundle benchmark use it; the caller removes `app.outdir` when done.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildAppOptions, buildApp, type McpflowApp } from "./app.js";
import { repoRoot } from "./paths.js";

export function synthApp(
  context: Record<string, string>,
  options: Omit<BuildAppOptions, "context"> = {},
): McpflowApp {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, "cdk.json"), "utf8")) as {
    context: Record<string, unknown>;
  };
  const built = buildApp({
    ...options,
    outdir: options.outdir ?? mkdtempSync(join(tmpdir(), "mcpflow-cdk-")),
    context: { ...cdkJson.context, ...context },
  });
  built.app.synth();
  return built;
}
