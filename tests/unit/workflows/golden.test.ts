// The example workflows compile to the checked-in ASL (UPDATE_GOLDEN=1 rewrites it), run on the local
// interpreter, and fit the tools the real MCP servers announce.
import { readFileSync, writeFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, test } from "vitest";
import { type ToolCatalog, validateWorkflow } from "../../../shared/workflows/validate.js";
import { compileWorkflow } from "../../../statemachines/compile.js";
import { loadFixtures } from "./fixtures/index.js";
import { optionsFor, runLocally } from "./harness.js";

const goldenDir = new URL("../../golden/", import.meta.url);

describe.each(loadFixtures())("$name", ({ name, definition, remote }) => {
  test("compiles to the golden ASL file", () => {
    const { json } = compileWorkflow(definition, optionsFor(definition, remote));
    const pretty = `${JSON.stringify(JSON.parse(json), null, 2)}\n`;
    const file = new URL(`${name}.asl.json`, goldenDir);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, pretty);
    expect(pretty).toBe(readFileSync(file, "utf8"));
  });

  test("runs on the local interpreter", async () => {
    const input = {
      name: "Ada",
      a: 2,
      b: 3,
      words: ["alpha", "beta"],
      person: "Ada",
      company: "ACME",
      fact: "writes",
    };
    const run = await runLocally(definition, input, { compileOptions: optionsFor(definition, remote) });
    expect(run.error).toBeUndefined();
    expect(new Set(run.calls.map((c) => c.stepId))).toEqual(new Set(definition.steps.map((s) => s.id)));
  });
});

describe("the example workflows against the real servers' tools", () => {
  const servers: Record<string, { path: string; args: string[] }> = {
    "io.github.modelcontextprotocol/server-everything@2026.8.31": {
      path: "@modelcontextprotocol/server-everything/dist/index.js",
      args: ["stdio"],
    },
    "io.github.modelcontextprotocol/server-memory@2026.8.31": {
      path: "@modelcontextprotocol/server-memory/dist/index.js",
      args: [],
    },
  };

  async function listTools(path: string, args: string[]) {
    const script = new URL(`../../../node_modules/${path}`, import.meta.url).pathname;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [script, ...args],
      stderr: "ignore",
      env: { ...process.env, MEMORY_FILE_PATH: "/dev/null" } as Record<string, string>,
    });
    const client = new Client({ name: "mcpflow-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      return Object.fromEntries(
        tools.map((tool) => [tool.name, tool.inputSchema as Record<string, unknown>]),
      );
    } finally {
      await client.close();
    }
  }

  test("use tools that exist, with arguments their input schemas accept", async () => {
    const tools: ToolCatalog = {};
    for (const [key, server] of Object.entries(servers))
      tools[key] = await listTools(server.path, server.args);
    for (const { definition } of loadFixtures()) expect(validateWorkflow(definition, { tools })).toEqual([]);
    // The catalogue is real: a misspelt tool is caught.
    const misspelt = structuredClone(loadFixtures()[0]!.definition);
    misspelt.steps[1]!.tool = "get_sum";
    expect(validateWorkflow(misspelt, { tools })[0]?.field).toBe("steps.sum.tool");
  });
});
