// `npm run bench` measures without touching the committed baseline: results go to bench/results/latest/ unless
// --update-baseline (or BENCH_UPDATE_BASELINE=1) says to replace the baseline.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BASELINE_DIR, LATEST_DIR, updatesBaseline, writeResult } from "../../../bench/table.js";

const NAME = "unit-results-probe";

afterEach(() => {
  rmSync(join(LATEST_DIR, `${NAME}.json`), { force: true });
  delete process.env.BENCH_UPDATE_BASELINE;
});

describe("bench results", () => {
  it("are written to the untracked latest/ folder, never over the committed baseline, by default", () => {
    const file = writeResult(NAME, { rows: [1, 2] });
    expect(file).toBe(join(LATEST_DIR, `${NAME}.json`));
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ node: process.version, rows: [1, 2] });
    expect(existsSync(join(BASELINE_DIR, `${NAME}.json`))).toBe(false);
    const ignored = readFileSync(join(BASELINE_DIR, "../../.gitignore"), "utf8");
    expect(ignored.split("\n")).toContain("bench/results/latest/");
  });

  it("go to the baseline only when asked", () => {
    expect(updatesBaseline()).toBe(false);
    process.env.BENCH_UPDATE_BASELINE = "1";
    expect(updatesBaseline()).toBe(true);
  });
});
