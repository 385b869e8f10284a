// The workflows API on the embedded platform with probed real servers: versions, compiled ASL, validation without
// saving, the 4xx answers that name the failing step and field, run input checks and the admin-only deletes.
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform } from "../../shared/platform.js";
import {
  EVERYTHING,
  EVERYTHING_NAME,
  exampleServer,
  publishExampleServers,
  publishServer,
  REPO_ROOT,
  saveWorkflow,
} from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;
const memoryFile = join(tmpdir(), `mcpflow-workflows-memory-${process.pid}.jsonl`);
const enc = encodeURIComponent;

beforeAll(async () => {
  p = await startTestPlatform();
  await publishExampleServers(p, memoryFile);
});
afterAll(async () => {
  await p?.cleanup();
  await rm(memoryFile, { force: true });
});

const echo = (id: string, message: string, extra: Record<string, unknown> = {}) => ({
  id,
  server: EVERYTHING,
  tool: "echo",
  arguments: { message },
  ...extra,
});

/** Saves `definition` expecting a refusal; answers the problem's `errors`. */
async function refused(definition: unknown, status = 422): Promise<{ field: string; rule: string }[]> {
  const response = await p.api("POST", "/v1/workflows", { body: definition, role: "editor" });
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(Array.isArray(response.body.errors), response.text).toBe(true);
  const name = (definition as { name?: string }).name;
  if (name) expect((await p.api("GET", `/v1/workflows/${name}`)).status).toBe(404);
  return response.body.errors;
}

describe("versions", () => {
  it("saves v1 (201), PUT saves v2, and latest, versions and versions/{n} read them back", async () => {
    const v1 = { name: "versioned", description: "first", steps: [echo("say", "one")] };
    const created = await p.api("POST", "/v1/workflows", { body: v1, role: "editor" });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("location")).toBe("/v1/workflows/versioned/versions/1");
    expect(created.body).toMatchObject({
      name: "versioned",
      version: 1,
      isLatest: true,
      savedBy: "user:local-editor",
    });
    // The server version is pinned on save even when the definition names it exactly.
    expect(created.body.definition.steps[0].server).toEqual({ name: EVERYTHING_NAME, version: "2026.8.31" });

    const again = await p.api("POST", "/v1/workflows", { body: v1, role: "editor" });
    expect(again.status).toBe(409);

    const updated = await p.api("PUT", "/v1/workflows/versioned", {
      body: { ...v1, description: "second", steps: [echo("say", "two")] },
      role: "editor",
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, isLatest: true });

    const latest = await p.api("GET", "/v1/workflows/versioned", { role: "viewer" });
    expect(latest.body).toMatchObject({ version: 2, isLatest: true, definition: { description: "second" } });
    const versions = await p.api("GET", "/v1/workflows/versioned/versions", { role: "viewer" });
    expect(
      versions.body.versions.map((v: { version: number; isLatest: boolean }) => [v.version, v.isLatest]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    const first = await p.api("GET", "/v1/workflows/versioned/versions/1", { role: "viewer" });
    expect(first.body).toMatchObject({ version: 1, isLatest: false, definition: { description: "first" } });
    expect(first.body.definition.steps[0].arguments).toEqual({ message: "one" });
    expect((await p.api("GET", "/v1/workflows/versioned/versions/3")).status).toBe(404);

    const renamed = await p.api("PUT", "/v1/workflows/versioned", {
      body: { ...v1, name: "other" },
      role: "editor",
    });
    expect(renamed.status).toBe(422);
    expect(renamed.body.errors).toContainEqual(expect.objectContaining({ field: "name" }));
  });

  it("serves each version's ASL: JSONPath, the server started once, each step a waitForTaskToken call, no argument values", async () => {
    await saveWorkflow(p, {
      name: "asl-shape",
      steps: [echo("first", "literal-arg-value"), echo("second", "b", { depends_on: ["first"] })],
    });
    const response = await p.api("GET", "/v1/workflows/asl-shape/versions/1/asl", { role: "viewer" });
    expect(response.status).toBe(200);
    const asl = JSON.parse(response.text);
    expect(asl.QueryLanguage).toBe("JSONPath");
    const tasks = Object.values(asl.States as Record<string, { Type: string; Resource?: string }>).filter(
      (s) => s.Type === "Task",
    );
    expect(tasks).toHaveLength(2);
    for (const task of tasks) expect(task.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    // The steps' one server starts once, in "Start servers" (decision 0008).
    const start = asl.States["Start servers"] as {
      Branches: { States: Record<string, { Resource: string }> }[];
    };
    expect(start.Branches.map((b) => Object.values(b.States)[0]!.Resource)).toEqual([
      "arn:aws:states:::ecs:runTask.waitForTaskToken",
    ]);
    // Arguments are loaded by the runner, never carried in the state machine.
    expect(response.text).not.toContain("literal-arg-value");
  });

  it("validates without saving: 200 with the pinned definition and the ASL; the workflow does not exist after", async () => {
    const definition = { name: "validated-only", steps: [echo("say", "hi")] };
    const response = await p.api("POST", "/v1/workflows/validate", { body: definition, role: "viewer" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.valid).toBe(true);
    expect(response.body.definition.steps[0].server).toEqual({ name: EVERYTHING_NAME, version: "2026.8.31" });
    expect(response.body.asl.QueryLanguage).toBe("JSONPath");
    expect((await p.api("GET", "/v1/workflows/validated-only")).status).toBe(404);

    const bad = await p.api("POST", "/v1/workflows/validate", {
      body: { name: "validated-bad", steps: [echo("say", "hi", { depends_on: ["ghost"] })] },
      role: "viewer",
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toContainEqual({ field: "steps[0].depends_on", rule: 'unknown step "ghost"' });
  });

  it("saves the YAML example as is and refuses invalid YAML with 400", async () => {
    const yaml = await readFile(join(REPO_ROOT, "examples/workflows/everything-diamond.yaml"), "utf8");
    const saved = await p.api("POST", "/v1/workflows", {
      rawBody: yaml,
      contentType: "application/yaml",
      role: "editor",
    });
    expect(saved.status, saved.text).toBe(201);
    expect(saved.body.definition.steps.map((s: { id: string }) => s.id)).toEqual([
      "greet",
      "sum",
      "shout",
      "report",
    ]);

    const broken = await p.api("POST", "/v1/workflows", {
      rawBody: "name: broken-yaml\nsteps:\n  - id: a\n    arguments: { message: [unclosed\n",
      contentType: "application/yaml",
      role: "editor",
    });
    expect(broken.status, broken.text).toBe(400);
    expect(broken.headers.get("content-type")).toContain("application/problem+json");
    expect(broken.body.detail).toMatch(/YAML/);
    expect((await p.api("GET", "/v1/workflows/broken-yaml")).status).toBe(404);
  });
});

describe("the text a version was saved from", () => {
  const text = (name: string, comment: string) =>
    `# ${comment}\nname: ${name}   # the name\nsteps:\n  - id: say  # first\n    server: ${EVERYTHING}\n    tool: echo\n    arguments: { message: 'hi' }\n`;

  it("keeps YAML and JSON bodies byte for byte, answered beside the definition by every read", async () => {
    const yaml = text("kept-text", "a comment");
    const created = await p.api("POST", "/v1/workflows", {
      rawBody: yaml,
      contentType: "application/yaml",
      role: "editor",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.source).toEqual({ text: yaml, format: "yaml", origin: "saved" });
    const json = `{ "name": "kept-text",\n  "steps": [ {"id": "say", "server": "${EVERYTHING}", "tool": "echo", "arguments": {"message": "json"}} ] }`;
    const updated = await p.api("PUT", "/v1/workflows/kept-text", {
      rawBody: json,
      contentType: "application/json",
      role: "editor",
    });
    expect(updated.body).toMatchObject({
      version: 2,
      source: { text: json, format: "json", origin: "saved" },
    });
    expect((await p.api("GET", "/v1/workflows/kept-text")).body.source.text).toBe(json);
    expect((await p.api("GET", "/v1/workflows/kept-text/versions/1")).body.source.text).toBe(yaml);
    const versions = await p.api("GET", "/v1/workflows/kept-text/versions");
    expect(versions.body.versions.map((v: { source: { text: string } }) => v.source.text)).toEqual([
      json,
      yaml,
    ]);
  });

  it("makes a new version for a change of the text alone, and none for the same text", async () => {
    const first = text("text-only", "first");
    const save = (body: string) =>
      p.api("PUT", "/v1/workflows/text-only", {
        rawBody: body,
        contentType: "application/yaml",
        role: "editor",
      });
    await p.api("POST", "/v1/workflows", { rawBody: first, contentType: "application/yaml", role: "editor" });
    expect((await save(first)).body.version).toBe(1);
    const commented = text("text-only", "second");
    const second = await save(commented);
    expect(second.body).toMatchObject({ version: 2, source: { text: commented } });
    expect((await save(commented)).body.version).toBe(2);
  });

  it("keeps a large text in the blob store and reads it back whole", async () => {
    const padding = `# ${"x".repeat(100)}\n`.repeat(400);
    const yaml = text("large-text", "large") + padding;
    expect(Buffer.byteLength(yaml)).toBeGreaterThan(32 * 1024);
    const created = await p.api("POST", "/v1/workflows", {
      rawBody: yaml,
      contentType: "application/yaml",
      role: "editor",
    });
    expect(created.status, created.text).toBe(201);
    const platform = await getPlatform();
    const item = await platform.table.doc.send(
      new GetCommand({ TableName: platform.table.name, Key: { pk: "WORKFLOW#large-text", sk: "V#000001" } }),
    );
    expect(item.Item?.source).toBeUndefined();
    expect(item.Item?.sourceBlob).toMatch(/^workflows\/large-text\//);
    expect((await p.api("GET", "/v1/workflows/large-text")).body.source.text).toBe(yaml);
  });

  it("answers a version saved before texts were kept with its definition written out as JSON", async () => {
    await saveWorkflow(p, { name: "legacy-text", description: "old", steps: [echo("say", "old")] });
    const platform = await getPlatform();
    await platform.table.doc.send(
      new UpdateCommand({
        TableName: platform.table.name,
        Key: { pk: "WORKFLOW#legacy-text", sk: "V#000001" },
        UpdateExpression: "REMOVE #source, sourceFormat",
        ExpressionAttributeNames: { "#source": "source" },
      }),
    );
    const legacy = await p.api("GET", "/v1/workflows/legacy-text", { role: "viewer" });
    expect(legacy.body.source).toEqual({
      text: `${JSON.stringify(legacy.body.definition, null, 2)}\n`,
      format: "json",
      origin: "derived",
    });
    // Its definition saved again with a text is the same version: an older version has no text to compare.
    const again = await p.api("PUT", "/v1/workflows/legacy-text", {
      body: { name: "legacy-text", description: "old", steps: [echo("say", "old")] },
      role: "editor",
    });
    expect(again.body.version).toBe(1);
  });
});

describe("422 naming the step and the field", () => {
  it("unknown step in depends_on", async () => {
    const errors = await refused({
      name: "bad-deps",
      steps: [echo("a", "x"), echo("b", "y", { depends_on: ["a", "nope"] })],
    });
    expect(errors).toContainEqual({ field: "steps[1].depends_on", rule: 'unknown step "nope"' });
  });

  it("a dependency cycle", async () => {
    const errors = await refused({
      name: "bad-cycle",
      steps: [
        echo("a", "x", { depends_on: ["c"] }),
        echo("b", "y", { depends_on: ["a"] }),
        echo("c", "z", { depends_on: ["b"] }),
      ],
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("steps[0].depends_on");
    expect(errors[0]!.rule).toContain("a → b → c → a");
  });

  it("a reference to a step that is not an ancestor", async () => {
    const errors = await refused({
      name: "bad-reference",
      steps: [echo("a", "x"), echo("b", "y"), echo("c", "{{ steps.b.output.text }}", { depends_on: ["a"] })],
    });
    expect(errors).toEqual([
      {
        field: "steps.c.arguments.message",
        rule: 'refers to step "b", which is not an ancestor of "c" through depends_on (add it to depends_on)',
      },
    ]);
  });

  it("an unknown server and an unknown version of a known server", async () => {
    const errors = await refused({
      name: "bad-servers",
      steps: [
        { id: "a", server: "io.github.nobody/nothing@1.0.0", tool: "echo" },
        { id: "b", server: `${EVERYTHING_NAME}@0.0.1`, tool: "echo", arguments: { message: "x" } },
        { id: "c", server: "io.github.nobody/nothing", tool: "echo" },
      ],
    });
    expect(errors).toEqual([
      { field: "steps[0].server", rule: "no version 1.0.0 of server io.github.nobody/nothing" },
      { field: "steps[1].server", rule: `no version 0.0.1 of server ${EVERYTHING_NAME}` },
      { field: "steps[2].server", rule: "no server named io.github.nobody/nothing" },
    ]);
  });

  it("an unknown tool on a probed server", async () => {
    const errors = await refused({
      name: "bad-tool",
      steps: [{ id: "a", server: EVERYTHING, tool: "does-not-exist" }],
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("steps.a.tool");
    expect(errors[0]!.rule).toMatch(
      /^unknown tool "does-not-exist" on .*server-everything@2026\.8\.31 \(tools: .*get-sum/,
    );
  });

  it("arguments that break the tool's input schema", async () => {
    const errors = await refused({
      name: "bad-arguments",
      steps: [{ id: "add", server: EVERYTHING, tool: "get-sum", arguments: { a: "x", b: 2 } }],
    });
    expect(errors).toEqual([
      { field: "steps.add.arguments.a", rule: "must be number (the tool's input schema), not string" },
    ]);
    const missing = await refused({
      name: "bad-arguments",
      steps: [{ id: "add", server: EVERYTHING, tool: "get-sum", arguments: { a: 1 } }],
    });
    expect(missing).toEqual([{ field: "steps.add.arguments.b", rule: "is required by the tool" }]);
  });

  it("a schema error in the document is a 400 naming the field", async () => {
    const errors = await refused(
      { name: "bad-shape", steps: [echo("a", "x", { retry: { max_attempts: 0 } })] },
      400,
    );
    expect(errors.map((e) => e.field)).toContain("steps[0].retry.max_attempts");
  });
});

describe("run input", () => {
  it("refuses input that does not match the workflow's input schema, naming input.<field>", async () => {
    await saveWorkflow(p, {
      name: "typed-input",
      input: {
        type: "object",
        required: ["name", "count"],
        properties: { name: { type: "string" }, count: { type: "number" } },
      },
      steps: [echo("say", "{{ input.name }}")],
    });
    const wrong = await p.api("POST", "/v1/workflows/typed-input/runs", {
      body: { input: { name: "Ada", count: "many" } },
      role: "operator",
    });
    expect([400, 422]).toContain(wrong.status);
    expect(wrong.body.errors).toEqual([{ field: "input.count", rule: "must be number" }]);

    const missing = await p.api("POST", "/v1/workflows/typed-input/runs", {
      body: { input: { count: 1 } },
      role: "operator",
    });
    expect([400, 422]).toContain(missing.status);
    expect(missing.body.errors).toEqual([
      { field: "input.name", rule: "must have required property 'name'" },
    ]);

    const listed = await p.api("GET", "/v1/runs?workflow=typed-input", { role: "viewer" });
    expect(listed.body.runs).toEqual([]);
  });
});

describe("deleting", () => {
  it("DELETE needs admin: editor 403, admin 204, then 404", async () => {
    await saveWorkflow(p, { name: "to-delete", steps: [echo("say", "bye")] });
    const asEditor = await p.api("DELETE", "/v1/workflows/to-delete", { role: "editor" });
    expect(asEditor.status).toBe(403);
    expect((await p.api("GET", "/v1/workflows/to-delete")).status).toBe(200);

    const asAdmin = await p.api("DELETE", "/v1/workflows/to-delete", { role: "admin" });
    expect(asAdmin.status).toBe(204);
    expect((await p.api("GET", "/v1/workflows/to-delete")).status).toBe(404);
  });

  it("refuses to delete a server version a workflow pins (409 naming the workflow); an unpinned one goes", async () => {
    const base = await exampleServer("server-everything.json", memoryFile);
    await publishServer(p, { ...base, version: "9.9.8" }, { probe: false });
    await publishServer(p, { ...base, version: "9.9.9" }, { probe: false });
    await saveWorkflow(p, {
      name: "pins-everything",
      steps: [{ id: "say", server: `${EVERYTHING_NAME}@9.9.9`, tool: "echo", arguments: { message: "x" } }],
    });
    const versionPath = (v: string) => `/v1/servers/${enc(EVERYTHING_NAME)}/versions/${v}`;

    const asEditor = await p.api("PATCH", versionPath("9.9.9"), {
      body: { status: "deleted" },
      role: "editor",
    });
    expect(asEditor.status).toBe(403);
    const pinned = await p.api("PATCH", versionPath("9.9.9"), { body: { status: "deleted" }, role: "admin" });
    expect(pinned.status, pinned.text).toBe(409);
    expect(pinned.body.detail).toContain("pins-everything");
    expect((await p.api("GET", versionPath("9.9.9"))).body.status).toBe("active");

    const unpinned = await p.api("PATCH", versionPath("9.9.8"), {
      body: { status: "deleted" },
      role: "admin",
    });
    expect(unpinned.status, unpinned.text).toBe(200);
    expect(unpinned.body.status).toBe("deleted");
  });
});
