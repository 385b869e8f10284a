// The console that the browser tests, `npm start` and the benches load is React's production build, whoever built
// it: vitest's global setup builds web/dist with NODE_ENV=test in its environment, which made Vite emit React's
// development build (jsx-dev-runtime and its checks, the entry 428 KB instead of 239 KB).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_DIST, consoleBuildIsStale, developmentChunks } from "../../../local/web-build.js";

describe("the console's build", () => {
  it("is a production build though vitest, which sets NODE_ENV=test, built it", () => {
    expect(process.env.NODE_ENV).toBe("test");
    expect(consoleBuildIsStale()).toBe(false);
    expect(readFileSync(join(CONSOLE_DIST, ".built-from"), "utf8")).toMatch(/^production /);
    expect(developmentChunks()).toEqual([]);
  });
});
