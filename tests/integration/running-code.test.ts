// Running code is an admin decision and secrets are granted, not inherited (docs/decisions/0004-running-code.md):
// an editor's runtime never starts unapproved, an approval covers one exact runtime, a revocation stops probes and
// runs, the allow-list matches by whole names only, secrets reach only the versions granted them, all of it audited.
import { existsSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatform } from "../../shared/platform.js";
import { withGrantedSecretsOnly } from "../../shared/registry/run-decisions.js";
import { Registry } from "../../shared/registry/service.js";
import { taskDefinitionFor } from "../../shared/tasks/ecs-launcher.js";
import { EVERYTHING_SCRIPT, GATE_SCRIPT, saveWorkflow, stepOf, waitForRun } from "../helpers/examples.js";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

const enc = encodeURIComponent;
const ECS_OPTIONS = {
  runnerImage: "runner:test",
  taskRoleArn: "arn:aws:iam::123456789012:role/task",
  executionRoleArn: "arn:aws:iam::123456789012:role/execution",
  logGroup: "mcpflow-test",
  region: "us-east-1",
  secretsPrefix: "mcpflow/test/",
};
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.cleanup();
});

const versionPath = (name: string, version: string) => `/v1/servers/${enc(name)}/versions/${version}`;

async function publish(
  name: string,
  version: string,
  runtime: Record<string, unknown>,
  as: { role?: "editor" | "admin"; approve?: boolean } = {},
) {
  const published = await p.api("POST", `/v1/servers${as.approve ? "?approve=true" : ""}`, {
    role: as.role ?? "editor",
    body: { name, version, description: `${name} for running-code tests`, runtime },
  });
  expect(published.status, published.text).toBe(201);
  return published.body;
}

const everything = (extra: Record<string, unknown> = {}) => ({
  transport: "stdio",
  command: process.execPath,
  args: [EVERYTHING_SCRIPT, "stdio"],
  ...extra,
});

describe("an editor's runtime does not run until an admin approves it", () => {
  it("answers 409 naming the digest and the admin role, and the command never runs (probe and run start)", async () => {
    const marker = join(p.home, "hostile-ran");
    const name = "io.hostile/sh";
    await publish(name, "1.0.0", {
      transport: "stdio",
      command: "sh",
      args: ["-c", `touch '${marker}'; cat /proc/$PPID/environ >&2; exit 1`],
    });

    const probe = await p.api("POST", `${versionPath(name, "1.0.0")}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(409);
    expect(probe.headers.get("content-type")).toContain("application/problem+json");
    expect(probe.body.runtimeDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(probe.body.approverRole).toBe("admin");
    expect(probe.body.approve).toEqual({
      method: "PUT",
      path: `${versionPath(name, "1.0.0")}/approval`,
      body: { runtimeDigest: probe.body.runtimeDigest },
    });
    expect(probe.body.errors).toEqual([
      { field: "runtime", rule: expect.stringContaining("approved by an admin") },
    ]);

    // Saving a workflow only describes; starting it would run the command, so it is refused the same way.
    await saveWorkflow(p, {
      name: "hostile",
      steps: [{ id: "a", server: `${name}@1.0.0`, tool: "anything" }],
    });
    const run = await p.api("POST", "/v1/workflows/hostile/runs", { role: "operator", body: { input: {} } });
    expect(run.status, run.text).toBe(409);
    expect(run.body.runtimeDigest).toBe(probe.body.runtimeDigest);

    const version = await p.api("GET", versionPath(name, "1.0.0"), { role: "viewer" });
    expect(version.body.execution).toMatchObject({
      mayRun: false,
      reason: "not-approved",
      runtimeDigest: probe.body.runtimeDigest,
    });
    expect(version.body.execution.missing).toContain("no admin approval");

    // An editor can neither approve nor publish with an approval.
    const approve = await p.api("PUT", `${versionPath(name, "1.0.0")}/approval`, {
      role: "editor",
      body: { runtimeDigest: probe.body.runtimeDigest },
    });
    expect(approve.status).toBe(403);
    const selfApproved = await p.api("POST", "/v1/servers?approve=true", {
      role: "editor",
      body: { name, version: "1.0.1", description: "x", runtime: { transport: "stdio", command: "sh" } },
    });
    expect(selfApproved.status).toBe(403);
    expect((await p.api("GET", versionPath(name, "1.0.1"))).status).toBe(404);

    expect(existsSync(marker), "the hostile command ran").toBe(false);
  });

  it("binds an approval to the runtime's content: another version, another runtime, another digest", async () => {
    const name = "io.approval/everything";
    const first = await publish(name, "1.0.0", everything());
    const digest = first.execution.runtimeDigest as string;
    expect(first.execution.mayRun).toBe(false);

    const wrong = await p.api("PUT", `${versionPath(name, "1.0.0")}/approval`, {
      body: { runtimeDigest: `sha256:${"0".repeat(64)}` },
    });
    expect(wrong.status, "an admin approves what they read, not something else").toBe(409);
    expect(wrong.body.runtimeDigest).toBe(digest);

    const approved = await p.api("PUT", `${versionPath(name, "1.0.0")}/approval`, {
      body: { runtimeDigest: digest },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.execution).toMatchObject({
      mayRun: true,
      reason: "approved",
      approval: { runtimeDigest: digest, current: true },
    });
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`, { role: "editor" })).status).toBe(200);

    // A new version with a different runtime has a different digest and no approval.
    const changed = await publish(name, "1.1.0", everything({ env: { EXTRA: "1" } }));
    expect(changed.execution.runtimeDigest).not.toBe(digest);
    expect((await p.api("POST", `${versionPath(name, "1.1.0")}/probe`, { role: "editor" })).status).toBe(409);
    // The same runtime under a new version still needs its own approval.
    const same = await publish(name, "1.2.0", everything());
    expect(same.execution.runtimeDigest).toBe(digest);
    expect(same.execution.mayRun).toBe(false);
  });

  it("stops probes and runs once revoked", async () => {
    const name = "io.revoke/everything";
    await publish(name, "1.0.0", everything(), { role: "admin", approve: true });
    await saveWorkflow(p, {
      name: "revocable",
      steps: [{ id: "echo", server: `${name}@1.0.0`, tool: "echo", arguments: { message: "hi" } }],
    });
    const first = await p.api("POST", "/v1/workflows/revocable/runs", {
      role: "operator",
      body: { input: {} },
    });
    expect(first.status, first.text).toBe(202);
    expect((await waitForRun(p, first.body.id)).status).toBe("SUCCEEDED");

    const revoked = await p.api("DELETE", `${versionPath(name, "1.0.0")}/approval`);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.execution).toMatchObject({ mayRun: false, reason: "not-approved" });
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`)).status).toBe(409);
    const again = await p.api("POST", "/v1/workflows/revocable/runs", {
      role: "operator",
      body: { input: {} },
    });
    expect(again.status, again.text).toBe(409);
    expect((await p.api("DELETE", `${versionPath(name, "1.0.0")}/approval`)).status).toBe(404);
  });

  it("stops the next step of a run under way once revoked (the platform keeps what it read until a write)", async () => {
    // The middle step waits on a 127.0.0.1 gate the test holds: the revocation happens while it is known to be under
    // way (its request arrived), not within a timer's window that a loaded machine can miss.
    let arrived!: () => void;
    const underWay = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const held: ServerResponse[] = [];
    const gate = createServer((_req, res) => {
      held.push(res);
      arrived();
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
    try {
      const name = "io.revoke-mid-run/gate";
      await publish(
        name,
        "1.0.0",
        { transport: "stdio", command: process.execPath, args: [GATE_SCRIPT] },
        {
          role: "admin",
          approve: true,
        },
      );
      await saveWorkflow(p, {
        name: "revoked-mid-run",
        steps: [
          { id: "first", server: `${name}@1.0.0`, tool: "echo", arguments: { message: "checked" } },
          { id: "slow", server: `${name}@1.0.0`, tool: "wait", arguments: { url }, depends_on: ["first"] },
          {
            id: "after",
            server: `${name}@1.0.0`,
            tool: "echo",
            arguments: { message: "hi" },
            depends_on: ["slow"],
          },
        ],
      });
      const started = await p.api("POST", "/v1/workflows/revoked-mid-run/runs", {
        role: "operator",
        body: {},
      });
      expect(started.status, started.text).toBe(202);
      // Two steps checked the approval (and the platform kept it) before it is revoked under the held one.
      await underWay;
      expect((await p.api("DELETE", `${versionPath(name, "1.0.0")}/approval`)).status).toBe(200);
      for (const res of held) res.end("released");
      const run = await waitForRun(p, started.body.id);
      expect(run.status).toBe("FAILED");
      expect(stepOf(run, "slow")).toMatchObject({ status: "SUCCEEDED" });
      expect(stepOf(run, "after")).toMatchObject({ status: "FAILED" });
      expect(stepOf(run, "after").error.cause).toMatch(/may not run/);
    } finally {
      for (const res of held) res.end();
      gate.close();
    }
  });
});

describe("the runtime policy (allow-list)", () => {
  it("lets matching runtimes run without an approval, and nothing else", async () => {
    const name = "io.policy/everything";
    await publish(name, "1.0.0", everything());
    await publish(name, "1.0.1", {
      transport: "stdio",
      command: process.execPath,
      args: ["-e", "process.exit(1)"],
    });
    await publish(name, "1.0.2", everything({ env: { NODE_OPTIONS: "--require=/tmp/x.js" } }));
    await publish(`${name}-evil`, "1.0.0", { ...everything(), command: `${process.execPath}-evil` });

    const editorPut = await p.api("PUT", "/v1/runtime-policy", { role: "editor", body: {} });
    expect(editorPut.status).toBe(403);
    const put = await p.api("PUT", "/v1/runtime-policy", {
      body: {
        commands: [{ command: process.execPath, args: [EVERYTHING_SCRIPT] }],
        hosts: ["mcp.example.com"],
      },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ revision: 1, hosts: ["mcp.example.com"], packages: [], images: [] });
    const read = await p.api("GET", "/v1/runtime-policy", { role: "editor" });
    expect(read.body.commands).toEqual([{ command: process.execPath, args: [EVERYTHING_SCRIPT] }]);

    const covered = await p.api("GET", versionPath(name, "1.0.0"));
    expect(covered.body.execution).toMatchObject({
      mayRun: true,
      reason: "allow-listed",
      allowListRule: "commands[0]",
    });
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`, { role: "editor" })).status).toBe(200);
    for (const [server, version] of [
      [name, "1.0.1"],
      [name, "1.0.2"],
      [`${name}-evil`, "1.0.0"],
    ] as const) {
      const probe = await p.api("POST", `${versionPath(server, version)}/probe`, { role: "editor" });
      expect(probe.status, `${server}@${version}: ${probe.text}`).toBe(409);
    }

    const remote = "io.policy/remote";
    for (const [version, url] of [
      ["1.0.0", "https://mcp.example.com/mcp"],
      ["1.0.1", "https://mcp.example.com.evil.net/mcp"],
      ["1.0.2", "https://evilmcp.example.com/mcp"],
      ["1.0.3", "http://mcp.example.com/mcp"],
    ] as const) {
      await publish(remote, version, { transport: "streamable-http", url });
    }
    const reasons = await Promise.all(
      ["1.0.0", "1.0.1", "1.0.2", "1.0.3"].map(
        async (version) => (await p.api("GET", versionPath(remote, version))).body.execution.mayRun,
      ),
    );
    expect(reasons).toEqual([true, false, false, false]);

    const cleared = await p.api("PUT", "/v1/runtime-policy", { body: {} });
    expect(cleared.body.revision).toBe(2);
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`, { role: "editor" })).status).toBe(409);
  });

  it("refuses wildcards other than whole trailing segments", async () => {
    for (const body of [
      { commands: [{ command: "npx*" }] },
      { packages: [{ registryType: "npm", identifier: "@scope*" }] },
      { images: ["ghcr.io/acme*"] },
      { images: ["*"] },
      { hosts: ["*example.com"] },
      { hosts: ["Example.COM"] },
    ]) {
      const response = await p.api("PUT", "/v1/runtime-policy", { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("secrets are granted, not inherited", () => {
  it("reach only the versions an admin granted them to; an editor's new version of an admin's server gets none", async () => {
    const name = "io.grants/everything";
    const runtime = everything({ env: { SECRET_TOKEN: { secret: "token" } } });
    await publish(name, "1.0.0", runtime, { role: "admin", approve: true });
    const secretPath = `/v1/servers/${enc(name)}/secrets/token`;
    expect((await p.api("PUT", secretPath, { body: { value: "the-admins-value" } })).status).toBe(200);

    // A secret is granted to no version until an admin says which.
    const ungranted = await p.api("POST", `${versionPath(name, "1.0.0")}/probe`);
    expect(ungranted.status, ungranted.text).toBe(422);
    expect(ungranted.body.errors).toEqual([
      { field: "secrets.token", rule: "is not granted to this version" },
    ]);

    const grant = await p.api("PUT", `${secretPath}/grant`, { body: { versions: "^1.0.0" } });
    expect(grant.status, grant.text).toBe(200);
    expect(
      (await p.api("PUT", `${secretPath}/grant`, { role: "editor", body: { versions: "*" } })).status,
    ).toBe(403);
    const listed = await p.api("GET", `/v1/servers/${enc(name)}/secrets`);
    expect(listed.body.secrets).toEqual([expect.objectContaining({ key: "token", versions: "^1.0.0" })]);

    // The admin's approved version gets it.
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`)).status).toBe(200);
    await saveWorkflow(p, {
      name: "granted-env",
      steps: [{ id: "env", server: `${name}@1.0.0`, tool: "get-env" }],
    });
    const run = await p.api("POST", "/v1/workflows/granted-env/runs", {
      role: "operator",
      body: { input: {} },
    });
    expect(run.status, run.text).toBe(202);
    const done = await waitForRun(p, run.body.id);
    // The process had the value (what the run keeps of it is masked, as every secret value is).
    expect(JSON.parse(stepOf(done, "env").output.text).SECRET_TOKEN).toBe("***");

    // An editor publishes 1.0.1 of the same server, in the granted range, and the admin even allow-lists its command.
    await publish(name, "1.0.1", runtime);
    await p.api("PUT", "/v1/runtime-policy", {
      body: { commands: [{ command: process.execPath, args: [EVERYTHING_SCRIPT] }] },
    });
    const editors = await p.api("GET", versionPath(name, "1.0.1"));
    expect(editors.body.execution).toMatchObject({
      mayRun: true,
      reason: "allow-listed",
      secrets: { granted: [], notGranted: ["token"] },
    });
    const probe = await p.api("POST", `${versionPath(name, "1.0.1")}/probe`, { role: "editor" });
    expect(probe.status, probe.text).toBe(422);
    await saveWorkflow(p, {
      name: "stolen-env",
      steps: [{ id: "env", server: `${name}@1.0.1`, tool: "get-env" }],
    });
    const stolen = await p.api("POST", "/v1/workflows/stolen-env/runs", {
      role: "operator",
      body: { input: {} },
    });
    expect(stolen.status, stolen.text).toBe(422);
    expect(stolen.text).not.toContain("the-admins-value");

    // On AWS the version's task definition names only granted secrets: the execution role pulls nothing for 1.0.1.
    const platform = await getPlatform();
    const registry = new Registry(platform.table);
    const ecs = (version: string) =>
      withGrantedSecretsOnly(platform, version === "1.0.0" ? admins : editors.body).then(
        // As built into an image, which is how a stdio server runs on Fargate (node_modules paths do not).
        (record) =>
          taskDefinitionFor(
            {
              ...record,
              runtime: { ...record.runtime!, image: "ghcr.io/acme/everything:1", args: ["stdio"] },
            },
            ECS_OPTIONS,
          ).containerDefinitions[0]!.secrets,
      );
    const admins = await registry.getVersion(name, "1.0.0");
    expect(await ecs("1.0.0")).toEqual([{ name: "SECRET_TOKEN", valueFrom: `mcpflow/test/${name}/token` }]);
    expect(await ecs("1.0.1")).toEqual([]);

    // Once an admin approves 1.0.1 itself, the range grant covers it.
    const approve = await p.api("PUT", `${versionPath(name, "1.0.1")}/approval`, {
      body: { runtimeDigest: editors.body.execution.runtimeDigest },
    });
    expect(approve.body.execution.secrets).toEqual({ granted: ["token"], notGranted: [] });

    // Revoking the grant takes it from every version.
    expect((await p.api("DELETE", `${secretPath}/grant`)).status).toBe(204);
    expect((await p.api("POST", `${versionPath(name, "1.0.0")}/probe`)).status).toBe(422);
    await p.api("PUT", "/v1/runtime-policy", { body: {} });
  });
});

describe("the README tour", () => {
  it("publishes, approves by digest, allow-lists and grants as the README shows", async () => {
    const name = "io.github.acme/weather";
    const published = await p.api("POST", "/v1/servers", {
      body: {
        name,
        description: "Forecasts for any city",
        version: "1.2.0",
        packages: [
          {
            registryType: "npm",
            identifier: "@acme/weather-mcp",
            version: "1.2.0",
            runtimeHint: "npx",
            transport: { type: "stdio" },
            environmentVariables: [{ name: "WEATHER_KEY", isSecret: true }],
          },
        ],
        tags: ["weather"],
        category: "data",
      },
    });
    expect(published.status, published.text).toBe(201);
    expect(published.body.execution).toMatchObject({ mayRun: false, reason: "not-approved" });
    const digest = (await p.api("GET", versionPath(name, "1.2.0"))).body.execution.runtimeDigest;
    const approved = await p.api("PUT", `${versionPath(name, "1.2.0")}/approval`, {
      body: { runtimeDigest: digest },
    });
    expect(approved.body.execution).toMatchObject({ mayRun: true, reason: "approved" });
    const policy = await p.api("PUT", "/v1/runtime-policy", {
      body: { packages: [{ registryType: "npm", identifier: "@acme/*" }], hosts: ["mcp.acme.com"] },
    });
    expect(policy.status, policy.text).toBe(200);
    const secret = await p.api("PUT", `/v1/servers/${enc(name)}/secrets/WEATHER_KEY`, {
      body: { value: "…", versions: "1.2.0" },
    });
    expect(secret.body).toMatchObject({ key: "WEATHER_KEY", versions: "1.2.0" });
    const version = await p.api("GET", versionPath(name, "1.2.0"), { role: "viewer" });
    expect(version.body.execution.secrets).toEqual({ granted: ["WEATHER_KEY"], notGranted: [] });
    await p.api("PUT", "/v1/runtime-policy", { body: {} });
  });
});

describe("audit", () => {
  it("keeps approvals, revocations, policy changes and grants with what they decided", async () => {
    type Entry = {
      action: string;
      target?: string;
      detail?: Record<string, string>;
      actor: { role?: string };
    };
    const entries: Entry[] = [];
    let cursor: string | undefined;
    do {
      const page = await p.api("GET", `/v1/audit?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status, page.text).toBe(200);
      entries.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const of = (action: string) => entries.filter((entry) => entry.action === action);
    expect(of("servers.approve")).toContainEqual(
      expect.objectContaining({
        target: "io.approval/everything@1.0.0",
        detail: { approved: expect.stringMatching(/^sha256:/) },
        actor: expect.objectContaining({ role: "admin" }),
      }),
    );
    expect(of("servers.publish")).toContainEqual(
      expect.objectContaining({ detail: { approved: expect.stringMatching(/^sha256:/) } }),
    );
    expect(of("servers.revoke-approval")).toContainEqual(
      expect.objectContaining({
        target: "io.revoke/everything@1.0.0",
        detail: { revoked: expect.stringMatching(/^sha256:/) },
      }),
    );
    expect(of("runtime-policy.put").map((entry) => entry.detail?.revision)).toEqual(
      expect.arrayContaining(["1", "2"]),
    );
    expect(of("secrets.grant")).toContainEqual(expect.objectContaining({ detail: { granted: "^1.0.0" } }));
    expect(of("secrets.revoke-grant").length).toBeGreaterThan(0);
  });
});
