// The CLI's pure parts: when colour is on, the one-line error, the live tree of a run, the exit code of a run's end.
import { describe, expect, it } from "vitest";
import { exitOfRun, renderCost, renderTree } from "../../../cli/commands/run-view.js";
import { CliError, describeError, EXIT, problemError } from "../../../cli/errors.js";
import { colourOn, colours } from "../../../cli/output.js";
import { formatUsd } from "../../../shared/costs/format.js";

describe("colour", () => {
  it("is on for a terminal only, and never with NO_COLOR or TERM=dumb", () => {
    expect(colourOn({ isTTY: true }, {})).toBe(true);
    expect(colourOn({ isTTY: false }, {})).toBe(false);
    expect(colourOn({}, {})).toBe(false);
    expect(colourOn({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourOn({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    // NO_COLOR set but empty does not count (no-color.org).
    expect(colourOn({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });
});

describe("errors", () => {
  it("a problem is one line: title, detail, failing fields, what to do; exit code from its status", () => {
    const forbidden = describeError(
      problemError(
        403,
        { title: "Forbidden", detail: "This needs the admin role;\nyou have viewer." },
        "DELETE x",
      ),
    );
    expect(forbidden.exit).toBe(EXIT.auth);
    expect(forbidden.line).toBe(
      "error: Forbidden: This needs the admin role; you have viewer. — your role does not allow this; ask an admin, or use a profile with a stronger role (--profile)",
    );
    const invalid = describeError(
      problemError(
        400,
        { title: "Validation failed", errors: [{ field: "body.version", rule: "must be x" }] },
        "POST",
      ),
    );
    expect(invalid).toEqual({ line: "error: Validation failed (body.version: must be x)", exit: EXIT.error });
    expect(describeError(problemError(404, undefined, "GET")).exit).toBe(EXIT.notFound);
    expect(describeError(problemError(412, undefined, "PUT")).exit).toBe(EXIT.conflict);
    expect(describeError(new CliError("bad", { exit: EXIT.usage })).exit).toBe(EXIT.usage);
    expect(describeError(new Error("boom\n    at x (y.ts:1:1)")).line).toBe("error: boom at x (y.ts:1:1)");
  });

  it("a run's end maps to its exit code", () => {
    expect(["SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"].map(exitOfRun)).toEqual([0, 10, 11, 12]);
  });
});

describe("the live tree of a run", () => {
  it("shows every declared step in order, pending until recorded, with attempt, duration and for_each progress", () => {
    const run = {
      id: "r-1",
      workflow: "wf",
      version: 2,
      status: "RUNNING",
      startedAt: "2026-11-27T00:00:00.000Z",
      steps: [
        {
          stepId: "fetch",
          tool: "get",
          status: "SUCCEEDED",
          attempts: 2,
          startedAt: "2026-11-27T00:00:00.000Z",
          endedAt: "2026-11-27T00:00:01.500Z",
        },
        {
          stepId: "each",
          tool: "echo",
          status: "RUNNING",
          attempts: 1,
          startedAt: "2026-11-27T00:00:01.500Z",
          items: [
            { index: 0, status: "SUCCEEDED", attempts: 1 },
            { index: 1, status: "RUNNING", attempts: 1 },
            { index: 2, status: "PENDING", attempts: 0 },
          ],
        },
      ],
    };
    const declared = [
      { id: "fetch", tool: "get" },
      { id: "each", tool: "echo" },
      { id: "report", tool: "echo" },
    ];
    const lines = renderTree(run, declared, colours({ isTTY: false }, {})).split("\n");
    expect(lines[0]).toMatch(/^⠋ run r-1 {2}wf v2 {2}RUNNING/);
    expect(lines[1]).toMatch(/^├─ ✓ fetch +get +SUCCEEDED {2}attempt 2 {2}1\.5s$/);
    expect(lines[2]).toMatch(/^├─ ⠋ each +echo +RUNNING {2}\S+ {2}for_each 1\/3$/);
    expect(lines[3]).toMatch(/^└─ • report +echo +PENDING$/);
    expect(lines.join("\n")).not.toContain("\u001b[");
  });
});

describe("renderCost", () => {
  const c = colours({ isTTY: false }, {});
  const usage = {
    stateTransitions: 5,
    tasks: 1,
    taskSeconds: 60,
    functionGbSeconds: 0.35,
    functionRequests: 5,
    storeReads: 13,
    storeWrites: 12,
    apiRequests: 1,
    measured: ["stateTransitions"],
  };

  it("says the amount, whether it is an estimate, the region and the prices' date, then the usage", () => {
    const cost = {
      usd: 0.000364242,
      currency: "USD",
      region: "us-east-1",
      pricesAsOf: "2026-11",
      estimated: true,
    };
    expect(renderCost({ usage, cost }, c).split("\n")).toEqual([
      "cost  $0.000364  what this run would cost on AWS, us-east-1 list prices of 2026-11",
      "usage 5 transitions, 1 task(s) 60 s, 0.35 Lambda GB-s, 13 reads, 12 writes",
    ]);
    expect(renderCost({ usage, cost: { ...cost, estimated: false } }, c)).toContain("measured on AWS");
  });

  it("is empty for a run without usage; says so when the region has no prices", () => {
    expect(renderCost({ status: "RUNNING" }, c)).toBe("");
    expect(renderCost({ usage }, c)).toContain("no price table");
    expect(formatUsd(0.0213)).toBe("$0.0213");
    expect(formatUsd(0.00206)).toBe("$0.00206");
  });
});
