// The API functions' bundle budget (docs/decisions/0003-bundle-size.md): each API area, bundled exactly as the
// CDK bundles it, stays under 300 KB minified, and none carries what was moved out on purpose (classic zod, the
// MCP SDK, Ajv, sanitize-html, yaml). Sizes are deterministic for a given lock file; `npm run bench` prints them.
import { describe, expect, it } from "vitest";
import { API_BUNDLE_LIMIT_BYTES, measureBundle } from "../../bench/bundles.js";
import { LAMBDA_ENTRIES } from "../../infra/paths.js";

const API_ENTRIES = Object.entries(LAMBDA_ENTRIES).filter(([name]) => name.startsWith("api-"));

/** Inputs that must never be in an API bundle: each has a smaller replacement or lives in another function. */
const FORBIDDEN = [
  /node_modules\/zod\/v4\/classic\//,
  /node_modules\/@modelcontextprotocol\/sdk\//,
  /node_modules\/ajv\//,
  /node_modules\/sanitize-html\//,
  /node_modules\/yaml\//,
];

describe("API Lambda bundles", () => {
  it("covers every API area", () => {
    expect(API_ENTRIES.map(([name]) => name).sort()).toEqual(
      [
        "api-identity",
        "api-mcds",
        "api-meta",
        "api-registry",
        "api-runs",
        "api-search",
        "api-workflows",
      ].sort(),
    );
  });

  for (const [name, entry] of API_ENTRIES) {
    it(`${name} stays under ${API_BUNDLE_LIMIT_BYTES / 1024} KB and carries nothing moved out`, async () => {
      const bundle = await measureBundle(name, entry);
      expect(bundle.error).toBeUndefined();
      expect(bundle.bytes).toBeGreaterThan(10 * 1024);
      expect(bundle.bytes, `${name}: ${bundle.topInputs.map((i) => i.input).join(", ")}`).toBeLessThan(
        API_BUNDLE_LIMIT_BYTES,
      );
      const forbidden = bundle.inputs
        .map((i) => i.input)
        .filter((input) => FORBIDDEN.some((re) => re.test(input)));
      expect(forbidden).toEqual([]);
    }, 60_000);
  }
});
