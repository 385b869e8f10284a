import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    setupFiles: ["shared/polyfills.ts", "tests/helpers/scratch-setup.ts"],
    globalSetup: ["tests/helpers/web-build-setup.ts"],
    // Request logs are for operators; tests read responses. A test that reads logs sets its own level.
    env: {
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
      // The MCP servers tests start listen on 127.0.0.1 over plain http; the outbound guard refuses that otherwise.
      MCPFLOW_ALLOW_LOOPBACK_HTTP: "1",
    },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
