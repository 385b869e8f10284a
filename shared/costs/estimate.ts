// What a run costs on AWS, from what it used: a pure function of its resource use and a price table
// (shared/costs/prices.ts). docs/costs.md gives the model per request, per step and per run.
import { DEFAULT_CPU, DEFAULT_MEMORY } from "../tasks/fargate-size.js";
import type { PriceTable } from "./prices.js";
import type { PricedUsage } from "./schema.js";

/** A server's task size unless its runtime asks for another (shared/tasks/fargate-size.ts): 0.25 vCPU, 0.5 GB. */
export const TASK_SIZE = { vcpu: DEFAULT_CPU / 1024, gb: DEFAULT_MEMORY / 1024 } as const;

export interface CostEstimate {
  region: string;
  usd: number;
  lines: { item: keyof PricedUsage; quantity: number; usd: number }[];
  pricesAsOf: string;
}

export function estimateCost(usage: PricedUsage, prices: PriceTable): CostEstimate {
  const taskSecond = TASK_SIZE.vcpu * prices.fargateVcpuSecond + TASK_SIZE.gb * prices.fargateGbSecond;
  const unit: Record<keyof PricedUsage, number> = {
    stateTransitions: prices.stateTransition,
    taskSeconds: taskSecond,
    functionGbSeconds: prices.lambdaGbSecond,
    functionRequests: prices.lambdaRequest,
    storeReads: prices.dynamoRead,
    storeWrites: prices.dynamoWrite,
    apiRequests: prices.apiRequest,
  };
  const lines = (Object.keys(unit) as (keyof PricedUsage)[]).map((item) => ({
    item,
    quantity: usage[item],
    usd: usage[item] * unit[item],
  }));
  return {
    region: prices.region,
    usd: lines.reduce((sum, line) => sum + line.usd, 0),
    lines,
    pricesAsOf: prices.asOf,
  };
}

/** Fargate bills a task per second with a one-minute minimum. */
export function billedTaskSeconds(runningSeconds: number): number {
  return Math.max(60, Math.ceil(runningSeconds));
}
