// Front matter and explicit fields: explicit wins field by field; If-Match parsing.
import { describe, expect, it } from "vitest";
import { PreconditionRequiredError, ValidationError } from "../../../shared/errors.js";
import { resolveMcdInput, splitFrontMatter } from "../../../shared/mcds/front-matter.js";
import { parseIfMatch } from "../../../shared/mcds/service.js";

describe("resolveMcdInput", () => {
  it("takes metadata from front matter when the request leaves it out", () => {
    const body =
      "---\nslug: a\ntitle: From front\ntags: [x]\nlinks:\n  servers: [io.a/b]\nauthor: kept in body\n---\ntext";
    expect(resolveMcdInput(body)).toEqual({
      slug: "a",
      title: "From front",
      tags: ["x"],
      links: { servers: ["io.a/b"], workflows: [], mcds: [] },
      body,
    });
  });

  it("lets explicit fields win, field by field", () => {
    const body = "---\nslug: a\ntitle: Front\ntags: [x]\n---\n";
    expect(resolveMcdInput({ title: "Explicit", body })).toMatchObject({
      slug: "a",
      title: "Explicit",
      tags: ["x"],
    });
    expect(resolveMcdInput({ tags: [], body })).toMatchObject({ title: "Front", tags: [] });
  });

  it("takes the slug from the path and refuses a body that names another", () => {
    expect(resolveMcdInput({ title: "T", body: "x" }, "p")).toMatchObject({ slug: "p" });
    expect(() => resolveMcdInput({ slug: "q", title: "T", body: "x" }, "p")).toThrow(ValidationError);
  });

  it("names the failing field", () => {
    try {
      resolveMcdInput({ slug: "ok", body: "no title" });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["body.title"]);
    }
  });

  it("keeps a body without front matter whole", () => {
    expect(splitFrontMatter("# no front matter\n---\n")).toEqual({
      data: undefined,
      content: "# no front matter\n---\n",
    });
    expect(splitFrontMatter("---\n---\nbody").content).toBe("body");
  });
});

describe("parseIfMatch", () => {
  it("reads a bare, quoted or weak version", () => {
    expect(parseIfMatch("3")).toBe(3);
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"12"')).toBe(12);
  });

  it("requires the header and refuses anything but a version", () => {
    expect(() => parseIfMatch(undefined)).toThrow(PreconditionRequiredError);
    expect(() => parseIfMatch("*")).toThrow(/one version/);
    expect(() => parseIfMatch("abc")).toThrow(/one version/);
  });
});
