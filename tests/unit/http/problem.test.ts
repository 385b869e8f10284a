// Domain errors carry no HTTP: the status of each comes from the one table at the HTTP edge, every domain error has
// a row there, and no module outside the edge imports from shared/http/.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as errors from "../../../shared/errors.js";
import { problemFor, statusOf } from "../../../shared/http/problem.js";
import { McpTimeoutError, McpToolError } from "../../../shared/mcp/errors.js";
import { RuntimeNotApprovedError } from "../../../shared/registry/approval.js";

const root = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe("the status table", () => {
  it("has a row for every domain error class", () => {
    const classes = Object.entries(errors).filter(
      ([, value]) => typeof value === "function" && value.prototype instanceof errors.DomainError,
    );
    expect(classes.length).toBeGreaterThan(10);
    for (const [name, type] of classes) {
      const error = new (type as new (message: string) => Error)("x");
      expect(statusOf(error), name).toBeDefined();
    }
  });

  it("answers subclasses as their parents, and nothing else", () => {
    expect(statusOf(new McpToolError("echo", "no"))?.status).toBe(502);
    expect(statusOf(new McpTimeoutError("slow", 1000))?.status).toBe(504);
    const unapproved = new RuntimeNotApprovedError("io.x/y", "1.0.0", {
      runtimeDigest: "sha256:0",
      missing: "no approval.",
    } as ConstructorParameters<typeof RuntimeNotApprovedError>[2]);
    expect(statusOf(unapproved)?.status).toBe(409);
    expect(statusOf(new Error("a bug"))).toBeUndefined();
    expect(problemFor(new Error("a bug"), "/v1/x").problem.status).toBe(500);
  });

  it("keeps a 400 for validation apart from a bad request", () => {
    const invalid = problemFor(new errors.ValidationError("Invalid body.", { issues: [] }), "/v1/x").problem;
    expect(invalid).toMatchObject({ status: 400, title: "Validation failed" });
    expect(problemFor(new errors.BadRequestError("bad"), "/v1/x").problem.title).toBe("Bad Request");
  });
});

describe("domain modules", () => {
  it("import nothing from shared/http/", () => {
    // The embedded platform (local/) is an HTTP host itself, like functions/api/.
    const outside = ["shared", "statemachines", "functions/runner", "functions/events", "functions/invoker"]
      .flatMap(sources)
      .filter((file) => !file.startsWith("shared/http/") && !file.startsWith("shared/api/"));
    const offenders = outside.filter((file) =>
      /from "[./]*\/http\/[^"]*"/.test(readFileSync(join(root, file), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
