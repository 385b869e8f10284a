// The AWS list prices every cost estimate uses, in one place (on-demand, no free tier, no savings plans). A region
// is chosen by configuration (MCPFLOW_PRICE_REGION, else AWS_REGION); a region without an entry here is refused
// rather than priced with another region's numbers.

export interface PriceTable {
  region: string;
  /** Step Functions Standard, per state transition. */
  stateTransition: number;
  /** Fargate Linux/x86, per vCPU-second and per GB-second (billed per second, one minute at least per task). */
  fargateVcpuSecond: number;
  fargateGbSecond: number;
  /** Lambda x86, per GB-second of duration and per request. */
  lambdaGbSecond: number;
  lambdaRequest: number;
  /** DynamoDB on-demand, per read and per write request unit (items up to 4 KB read, 1 KB written). */
  dynamoRead: number;
  dynamoWrite: number;
  /** API Gateway REST API, per request. */
  apiRequest: number;
  /** When these prices were read from the providers' price pages. */
  asOf: string;
}

const PER_MILLION = 1 / 1_000_000;

export const PRICES: Readonly<Record<string, PriceTable>> = {
  "us-east-1": {
    region: "us-east-1",
    stateTransition: 0.025 / 1000,
    fargateVcpuSecond: 0.04048 / 3600,
    fargateGbSecond: 0.004445 / 3600,
    lambdaGbSecond: 0.0000166667,
    lambdaRequest: 0.2 * PER_MILLION,
    dynamoRead: 0.125 * PER_MILLION,
    dynamoWrite: 0.625 * PER_MILLION,
    apiRequest: 3.5 * PER_MILLION,
    asOf: "2026-11",
  },
};

export class UnpricedRegionError extends Error {
  constructor(readonly region: string) {
    super(`No price table for ${region}; shared/costs/prices.ts has ${Object.keys(PRICES).join(", ")}.`);
    this.name = "UnpricedRegionError";
  }
}

/** The price table of the configured region (MCPFLOW_PRICE_REGION, then AWS_REGION, then us-east-1). */
export function pricesFor(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const region = env.MCPFLOW_PRICE_REGION || env.AWS_REGION || "us-east-1";
  const table = PRICES[region];
  if (!table) throw new UnpricedRegionError(region);
  return table;
}
