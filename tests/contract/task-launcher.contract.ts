// The TaskLauncher contract: local and ECS agree on which versions run in a container and which sizes Fargate
// can run, so a version that publishes locally also publishes on AWS.
import { describe, expect, it } from "vitest";
import { UnprocessableError } from "../../shared/errors.js";
import type { Runtime, ServerVersionRecord } from "../../shared/registry/schema.js";
import type { TaskLauncher } from "../../shared/tasks/port.js";

function record(name: string, runtime: Runtime): ServerVersionRecord {
  const at = new Date().toISOString();
  return {
    server: { name, version: "1.0.0", description: `${name} for the launcher contract`, runtime },
    runtime,
    runtimeSource: "declared",
    status: "active",
    isLatest: true,
    publishedAt: at,
    updatedAt: at,
    publishedBy: "user:contract",
  };
}

export function taskLauncherContract(name: string, launcher: () => TaskLauncher): void {
  describe(`TaskLauncher contract: ${name}`, () => {
    it("registers nothing for a remote server reached over HTTP", async () => {
      const result = await launcher().register(
        record("io.contract/remote", { transport: "streamable-http", url: "https://mcp.example.com/mcp" }),
      );
      expect(result).toEqual({});
    });

    it("accepts a stdio server with a size Fargate can run", async () => {
      await expect(
        launcher().register(
          record("io.contract/stdio", {
            transport: "stdio",
            command: "node",
            args: ["server.js"],
            cpu: 512,
            memory: 1024,
          }),
        ),
      ).resolves.toBeDefined();
    });

    it("refuses a CPU and memory pair Fargate cannot run, with UnprocessableError", async () => {
      await expect(
        launcher().register(
          record("io.contract/huge", { transport: "stdio", command: "node", cpu: 256, memory: 16384 }),
        ),
      ).rejects.toBeInstanceOf(UnprocessableError);
    });
  });
}
