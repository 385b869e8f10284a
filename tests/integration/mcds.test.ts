// MCDs over HTTP on the embedded platform: create, optimistic updates with If-Match (also under concurrency),
// history and diff, sanitized HTML for hostile Markdown, link checks and references, 5 MiB bodies in the blob
// store, front matter, bad input, listing and deletion.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.js";

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
  for (const name of ["io.mcd/weather", "io.mcd/maps"]) {
    const published = await p.api("POST", "/v1/servers", {
      body: { name, version: "1.0.0", description: `The ${name} server` },
      role: "editor",
    });
    expect(published.status, published.text).toBe(201);
  }
});
afterAll(async () => {
  await p?.cleanup();
});

function mcd(slug: string, extra: Record<string, unknown> = {}) {
  return { slug, title: `About ${slug}`, tags: ["docs"], body: `# ${slug}\n\nFirst line.\n`, ...extra };
}

async function create(body: unknown) {
  const response = await p.api("POST", "/v1/mcds", { body, role: "editor" });
  expect(response.status, response.text).toBe(201);
  return response;
}

describe("create and read", () => {
  it("creates version 1 with a Location and an ETag, and serves it back", async () => {
    const created = await create(mcd("create-read"));
    expect(created.headers.get("location")).toBe("/v1/mcds/create-read");
    expect(created.headers.get("etag")).toBe('"1"');
    expect(created.body).toMatchObject({
      slug: "create-read",
      version: 1,
      title: "About create-read",
      tags: ["docs"],
      links: { servers: [], workflows: [], mcds: [] },
      body: "# create-read\n\nFirst line.\n",
      createdBy: "user:local-editor",
    });
    const read = await p.api("GET", "/v1/mcds/create-read", { role: "viewer" });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it("answers 409 when the slug exists and keeps the first document", async () => {
    await create(mcd("taken"));
    const again = await p.api("POST", "/v1/mcds", { body: mcd("taken", { title: "Other" }), role: "editor" });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    expect((await p.api("GET", "/v1/mcds/taken")).body.title).toBe("About taken");
  });

  it("needs the editor role to write and the viewer role to read", async () => {
    const viewer = await p.api("POST", "/v1/mcds", { body: mcd("viewer-write"), role: "viewer" });
    expect(viewer.status).toBe(403);
    expect((await p.api("GET", "/v1/mcds/viewer-write")).status).toBe(404);
    expect((await p.api("GET", "/v1/mcds", { auth: null })).status).toBe(401);
  });

  it("accepts text/markdown with front matter, and explicit JSON fields win over front matter", async () => {
    const markdown = "---\nslug: from-markdown\ntitle: Front title\ntags: [ops, docs]\n---\n# Body\n";
    const md = await p.api("POST", "/v1/mcds", {
      rawBody: markdown,
      contentType: "text/markdown",
      role: "editor",
    });
    expect(md.status, md.text).toBe(201);
    expect(md.body).toMatchObject({ slug: "from-markdown", title: "Front title", tags: ["ops", "docs"] });
    expect(md.body.body).toBe(markdown);

    const mixed = await create({
      title: "Explicit title",
      body: "---\nslug: mixed\ntitle: Front\ntags: [a]\n---\nx",
    });
    expect(mixed.body).toMatchObject({ slug: "mixed", title: "Explicit title", tags: ["a"] });
  });
});

describe("updates with If-Match", () => {
  beforeAll(async () => {
    await create(mcd("edited", { body: "line one\nline two\n" }));
  });

  it("answers 428 without If-Match and 412 with a stale one; nothing is overwritten", async () => {
    const missing = await p.api("PUT", "/v1/mcds/edited", {
      body: mcd("edited", { body: "lost" }),
      role: "editor",
    });
    expect(missing.status).toBe(428);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: "if-match" })]);
    const stale = await p.api("PUT", "/v1/mcds/edited", {
      body: mcd("edited", { body: "lost" }),
      role: "editor",
      headers: { "if-match": "7" },
    });
    expect(stale.status).toBe(412);
    const current = await p.api("GET", "/v1/mcds/edited");
    expect(current.body).toMatchObject({ version: 1, body: "line one\nline two\n" });
  });

  it("saves the next version with the right If-Match (quoted ETag form too)", async () => {
    const saved = await p.api("PUT", "/v1/mcds/edited", {
      body: { title: "Edited", body: "line one\nline 2\nline three\n" },
      role: "editor",
      headers: { "if-match": '"1"' },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ slug: "edited", version: 2, title: "Edited" });
    expect(saved.headers.get("etag")).toBe('"2"');
  });

  it("keeps the history, newest first, and every version readable", async () => {
    const versions = await p.api("GET", "/v1/mcds/edited/versions");
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.versions[0]).not.toHaveProperty("body");
    const first = await p.api("GET", "/v1/mcds/edited/versions/1");
    expect(first.body).toMatchObject({ version: 1, body: "line one\nline two\n" });
    expect((await p.api("GET", "/v1/mcds/edited/versions/3")).status).toBe(404);
  });

  it("diffs two versions as a unified diff", async () => {
    const diff = await p.api("GET", "/v1/mcds/edited/diff?from=1&to=2");
    expect(diff.status, diff.text).toBe(200);
    expect(diff.body).toMatchObject({ slug: "edited", from: 1, to: 2, format: "unified" });
    const lines = (diff.body.diff as string).split("\n");
    expect(lines).toContain("--- edited@1\tv1");
    expect(lines).toContain("+++ edited@2\tv2");
    expect(lines).toContain("-line two");
    expect(lines).toContain("+line 2");
    expect(lines).toContain("+line three");
    expect(lines).toContain(" line one");
    expect((await p.api("GET", "/v1/mcds/edited/diff?from=1&to=9")).status).toBe(404);
    expect((await p.api("GET", "/v1/mcds/edited/diff?from=1")).status).toBe(400);
  });

  it("lets exactly one of 10 concurrent saves with the same If-Match win; the rest get 412", async () => {
    await create(mcd("raced", { body: "v1\n" }));
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        p.api("PUT", "/v1/mcds/raced", {
          body: mcd("raced", { body: `writer ${i}\n` }),
          role: "editor",
          headers: { "if-match": "1" },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = responses.find((r) => r.status === 200)!;
    const versions = await p.api("GET", "/v1/mcds/raced/versions");
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const latest = await p.api("GET", "/v1/mcds/raced");
    expect(latest.body).toMatchObject({ version: 2, body: winner.body.body });
    expect((await p.api("GET", "/v1/mcds/raced/versions/3")).status).toBe(404);
  });
});

describe("HTML rendering of hostile Markdown", () => {
  const attacks: [string, string][] = [
    ["script tag", "<script>alert(1)</script>"],
    ["img onerror", "<img src=x onerror=alert(1)>"],
    ["markdown javascript link", "[x](javascript:alert(1))"],
    ["mixed-case javascript href", '<a href="JaVaScRiPt:alert(1)">x</a>'],
    ["entity-encoded javascript href", '<a href="&#106;avascript:alert(1)">x</a>'],
    ["tab inside javascript scheme", '<a href="java\tscript:alert(1)">x</a>'],
    ["hex entity colon", '<a href="javascript&#x3A;alert(1)">x</a>'],
    ["svg onload", "<svg onload=alert(1)><circle r=1></circle></svg>"],
    ["iframe", '<iframe src="https://evil.example"></iframe>'],
    ["data URL image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
    ["data URL link", '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
    ["vbscript link", "[x](vbscript:msgbox(1))"],
    ["style tag", "<style>body{background:url(javascript:alert(1))}</style>"],
    ["form", '<form action="https://evil.example"><input name=a><button>go</button></form>'],
    ["onclick on allowed tag", '<p onclick="alert(1)">click</p>'],
    ["autolink with javascript", "<javascript:alert(1)>"],
    ["object and embed", '<object data="x.swf"></object><embed src="x.swf">'],
    ["meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
    ["broken-up script", "<scr<script>ipt>alert(1)</script>"],
  ];
  /** Dangerous wherever they appear: these elements must not exist at all. */
  const forbiddenElements =
    /<(script|iframe|style|form|svg|object|embed|meta|link|base|input|button|textarea)\b/i;
  /** Inside a tag: event handlers and script-capable URL schemes (text content is escaped and harmless). */
  const forbiddenInTags = [/\son[a-z]+\s*=/i, /(javascript|vbscript|data)\s*:/i, /&#/];

  it.each(attacks)("neutralises %s", async (_name, attack) => {
    const slug = `html-${Math.random().toString(36).slice(2, 10)}`;
    await create(
      mcd(slug, { body: `# Title\n\nSafe **text** and a [good link](https://example.com).\n\n${attack}\n` }),
    );
    const html = await p.api("GET", `/v1/mcds/${slug}/html`, { role: "viewer" });
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html.text.startsWith('<!doctype html>\n<html><head><meta charset="utf-8"><title>')).toBe(true);
    const body = html.text.slice(html.text.indexOf("<body>") + 6, html.text.lastIndexOf("</body>"));
    expect(body).not.toMatch(forbiddenElements);
    for (const tag of body.match(/<[^>]*>/g) ?? []) {
      for (const pattern of forbiddenInTags) expect(tag, `${pattern} in ${tag}`).not.toMatch(pattern);
    }
    expect(body).toContain("<strong>text</strong>");
    expect(body).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow">good link</a>');
  });
});

describe("links and references", () => {
  it("refuses unknown servers, MCDs and workflows with 422 naming each link", async () => {
    const response = await p.api("POST", "/v1/mcds", {
      body: mcd("bad-links", {
        links: { servers: ["io.mcd/weather", "io.x/y"], workflows: ["nightly"], mcds: ["no-such-doc"] },
      }),
      role: "editor",
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      { field: "links.mcds[0]", rule: "no MCD with slug no-such-doc" },
      { field: "links.servers[1]", rule: "no server named io.x/y" },
      { field: "links.workflows[0]", rule: "no workflow named nightly" },
    ]);
    expect((await p.api("GET", "/v1/mcds/bad-links")).status).toBe(404);
  });

  it("accepts a link to a saved workflow and refuses one to a deleted workflow", async () => {
    const server = await p.api("POST", "/v1/servers", {
      body: {
        name: "io.mcd/runner",
        version: "1.0.0",
        description: "A server workflows can pin",
        runtime: { transport: "stdio", command: "node", args: ["server.js"] },
      },
      role: "editor",
    });
    expect(server.status, server.text).toBe(201);
    for (const name of ["nightly", "weekly"]) {
      const saved = await p.api("POST", "/v1/workflows", {
        body: { name, steps: [{ id: "one", server: "io.mcd/runner", tool: "tick" }] },
        role: "editor",
      });
      expect(saved.status, saved.text).toBe(201);
    }
    expect((await p.api("DELETE", "/v1/workflows/weekly")).status).toBe(204);
    const bad = await p.api("POST", "/v1/mcds", {
      body: mcd("wf-links", { links: { workflows: ["weekly"] } }),
      role: "editor",
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: "links.workflows[0]", rule: "no workflow named weekly" }]);
    await create(mcd("wf-links", { links: { workflows: ["nightly"] } }));
    const refs = await p.api("GET", "/v1/workflows/nightly/references");
    expect(refs.body.mcds).toEqual([{ type: "mcd", id: "wf-links", title: "About wf-links" }]);
  });

  it("lists the MCDs that point at a server or an MCD, and follows edits and deletion", async () => {
    await create(mcd("ref-target"));
    await create(
      mcd("ref-a", { title: "Ref A", links: { servers: ["io.mcd/weather"], mcds: ["ref-target"] } }),
    );
    await create(mcd("ref-b", { title: "Ref B", links: { servers: ["io.mcd/weather", "io.mcd/maps"] } }));

    const refs = await p.api("GET", "/v1/servers/io.mcd%2Fweather/references", { role: "viewer" });
    expect(refs.status, refs.text).toBe(200);
    expect(refs.body).toEqual({
      mcds: [
        { type: "mcd", id: "ref-a", title: "Ref A" },
        { type: "mcd", id: "ref-b", title: "Ref B" },
      ],
      workflows: [],
    });
    expect((await p.api("GET", "/v1/mcds/ref-target/references")).body.mcds).toEqual([
      { type: "mcd", id: "ref-a", title: "Ref A" },
    ]);

    const edited = await p.api("PUT", "/v1/mcds/ref-b", {
      body: mcd("ref-b", { title: "Ref B", links: { servers: ["io.mcd/maps"] } }),
      role: "editor",
      headers: { "if-match": "1" },
    });
    expect(edited.status).toBe(200);
    expect((await p.api("DELETE", "/v1/mcds/ref-a")).status).toBe(204);
    expect((await p.api("GET", "/v1/servers/io.mcd/weather/references")).body).toEqual({
      mcds: [],
      workflows: [],
    });
    expect((await p.api("GET", "/v1/servers/io.mcd/maps/references")).body.mcds).toEqual([
      { type: "mcd", id: "ref-b", title: "Ref B" },
    ]);
    expect((await p.api("GET", "/v1/servers/io.no%2Fserver/references")).status).toBe(404);
  });
});

describe("large bodies", () => {
  it("stores a 5 MiB body in the blob store and reads it back byte for byte", async () => {
    const line = "Large MCD line with ünïcödé and `code` — 0123456789\n";
    const lines = Math.floor((5 * 1024 * 1024) / Buffer.byteLength(line));
    const body = line.repeat(lines) + "x".repeat(5 * 1024 * 1024 - lines * Buffer.byteLength(line));
    expect(Buffer.byteLength(body)).toBe(5 * 1024 * 1024);

    const created = await create(mcd("large", { body }));
    expect(created.body.bodyBytes).toBe(5 * 1024 * 1024);
    const read = await p.api("GET", "/v1/mcds/large");
    expect(read.body.body === body).toBe(true);
    expect(read.body.bodySha256).toBe(created.body.bodySha256);
    const blobs = await readdir(join(p.home, "blobs", "mcds", "large"));
    expect(blobs).toHaveLength(1);

    const tooLarge = await p.api("POST", "/v1/mcds", {
      body: mcd("too-large", { body: `${body}y` }),
      role: "editor",
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.errors).toEqual([expect.objectContaining({ field: "body" })]);
    expect((await p.api("GET", "/v1/mcds/too-large")).status).toBe(404);

    expect((await p.api("DELETE", "/v1/mcds/large")).status).toBe(204);
    expect(await readdir(join(p.home, "blobs", "mcds", "large"))).toEqual([]);
  });
});

describe("bad input", () => {
  const cases: {
    name: string;
    status: number;
    field: string;
    body?: unknown;
    raw?: string;
    type?: string;
  }[] = [
    { name: "missing body", status: 400, field: "body.body", body: { slug: "bad-1", title: "T" } },
    { name: "missing title", status: 400, field: "body.title", body: { slug: "bad-2", body: "x" } },
    { name: "missing slug", status: 400, field: "body.slug", body: { title: "T", body: "x" } },
    {
      name: "unknown field",
      status: 400,
      field: "body",
      body: { slug: "bad-3", title: "T", body: "x", owner: "me" },
    },
    { name: "bad slug", status: 400, field: "body.slug", body: { slug: "Bad Slug!", title: "T", body: "x" } },
    {
      name: "bad tag",
      status: 400,
      field: "body.tags.0",
      body: { slug: "bad-4", title: "T", body: "x", tags: ["A B"] },
    },
    {
      name: "unknown link kind",
      status: 400,
      field: "body.links",
      body: { slug: "bad-5", title: "T", body: "x", links: { tools: ["a"] } },
    },
    {
      name: "wrong content type",
      status: 415,
      field: "content-type",
      raw: "slug: bad-6",
      type: "application/xml",
    },
    {
      name: "front matter that is not YAML",
      status: 400,
      field: "body.frontMatter",
      raw: "---\nslug: [bad-7\n---\nx",
      type: "text/markdown",
    },
    {
      name: "front matter with a bad slug",
      status: 400,
      field: "body.slug",
      raw: "---\nslug: NO\ntitle: T\n---\n",
      type: "text/markdown",
    },
    { name: "JSON that does not parse", status: 400, field: "body", raw: "{", type: "application/json" },
  ];

  it.each(cases)("refuses $name with problem+json naming $field, storing nothing", async (c) => {
    const before = await p.api("GET", "/v1/mcds?limit=100");
    const response = await p.api("POST", "/v1/mcds", {
      role: "editor",
      ...(c.raw !== undefined ? { rawBody: c.raw, contentType: c.type } : { body: c.body }),
    });
    expect(response.status, response.text).toBe(c.status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(c.field);
    const after = await p.api("GET", "/v1/mcds?limit=100");
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it("refuses a PUT whose body names another slug", async () => {
    await create(mcd("put-slug"));
    const response = await p.api("PUT", "/v1/mcds/put-slug", {
      body: mcd("other-slug"),
      role: "editor",
      headers: { "if-match": "1" },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: "body.slug" })]);
  });
});

describe("list and delete", () => {
  it("lists by tag with a cursor", async () => {
    for (const i of [1, 2, 3]) await create(mcd(`listed-${i}`, { tags: ["listed"] }));
    const first = await p.api("GET", "/v1/mcds?tag=listed&limit=2", { role: "viewer" });
    expect(first.body.items.map((m: { slug: string }) => m.slug)).toEqual(["listed-1", "listed-2"]);
    expect(first.body.items[0]).not.toHaveProperty("body");
    const second = await p.api("GET", `/v1/mcds?tag=listed&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((m: { slug: string }) => m.slug)).toEqual(["listed-3"]);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await p.api("GET", "/v1/mcds?cursor=garbage")).status).toBe(400);
  });

  it("deletes with the admin role only, with its whole history", async () => {
    await create(mcd("doomed"));
    expect((await p.api("DELETE", "/v1/mcds/doomed", { role: "editor" })).status).toBe(403);
    expect((await p.api("DELETE", "/v1/mcds/doomed", { role: "admin" })).status).toBe(204);
    expect((await p.api("GET", "/v1/mcds/doomed")).status).toBe(404);
    expect((await p.api("GET", "/v1/mcds/doomed/versions")).status).toBe(404);
    expect((await p.api("GET", "/v1/mcds/doomed/versions/1")).status).toBe(404);
    expect((await p.api("DELETE", "/v1/mcds/doomed")).status).toBe(404);
    await create(mcd("doomed", { title: "Reborn" }));
    expect((await p.api("GET", "/v1/mcds/doomed")).body).toMatchObject({ version: 1, title: "Reborn" });
  });
});
