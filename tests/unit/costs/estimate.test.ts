// The cost model on its own: list prices from one table, Fargate's one-minute minimum, a refused unpriced region.
import { describe, expect, it } from "vitest";
import { billedTaskSeconds, estimateCost } from "../../../shared/costs/estimate.js";
import { PRICES, pricesFor, UnpricedRegionError } from "../../../shared/costs/prices.js";

const none = {
  stateTransitions: 0,
  taskSeconds: 0,
  functionGbSeconds: 0,
  functionRequests: 0,
  storeReads: 0,
  storeWrites: 0,
  apiRequests: 0,
};

describe("estimateCost", () => {
  it("prices 1,000 state transitions at Step Functions' $0.025", () => {
    const estimate = estimateCost({ ...none, stateTransitions: 1000 }, PRICES["us-east-1"]!);
    expect(estimate.usd).toBeCloseTo(0.025, 10);
    expect(estimate.region).toBe("us-east-1");
  });

  it("prices a minute of a 0.25 vCPU / 0.5 GB task from the Fargate rates", () => {
    const estimate = estimateCost({ ...none, taskSeconds: 60 }, PRICES["us-east-1"]!);
    expect(estimate.usd).toBeCloseTo(((0.25 * 0.04048 + 0.5 * 0.004445) / 3600) * 60, 12);
  });

  it("adds every line, each shown with its quantity", () => {
    const usage = { ...none, storeReads: 1_000_000, storeWrites: 1_000_000, apiRequests: 1_000_000 };
    const estimate = estimateCost(usage, PRICES["us-east-1"]!);
    expect(estimate.usd).toBeCloseTo(0.125 + 0.625 + 3.5, 10);
    expect(estimate.lines.find((l) => l.item === "storeWrites")).toMatchObject({ quantity: 1_000_000 });
  });
});

describe("billedTaskSeconds", () => {
  it("counts at least a minute per task, whole seconds above", () => {
    expect(billedTaskSeconds(3.2)).toBe(60);
    expect(billedTaskSeconds(90.1)).toBe(91);
  });
});

describe("pricesFor", () => {
  it("takes the configured region and refuses one without prices", () => {
    expect(pricesFor({ MCPFLOW_PRICE_REGION: "us-east-1" }).region).toBe("us-east-1");
    expect(pricesFor({}).region).toBe("us-east-1");
    expect(() => pricesFor({ MCPFLOW_PRICE_REGION: "mars-north-1" })).toThrow(UnpricedRegionError);
  });
});
