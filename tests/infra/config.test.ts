// Deployment configuration parsing: defaults, context over environment, and the errors a bad value gets.
import { App } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { loadConfig, type McpflowConfig, parseConfig } from "../../infra/config.js";

const from = (values: Partial<Record<keyof McpflowConfig, string>>) => parseConfig((key) => values[key]);

describe("parseConfig", () => {
  it("defaults to a dev stage with one NAT gateway, no WAF, no deletion protection and 30-day logs", () => {
    expect(from({})).toMatchObject({
      stage: "dev",
      natGateways: 1,
      vpcEndpoints: false,
      waf: false,
      deletionProtection: false,
      logRetention: RetentionDays.ONE_MONTH,
      webOrigin: "http://localhost:5173",
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      registryPublicRead: false,
      registrySyncMinutes: 0,
    });
  });

  it("protects the prod stage from deletion unless told otherwise", () => {
    expect(from({ stage: "prod" }).deletionProtection).toBe(true);
    expect(from({ stage: "prod", deletionProtection: "false" }).deletionProtection).toBe(false);
  });

  it("drops NAT gateways by default when VPC endpoints are on", () => {
    expect(from({ vpcEndpoints: "true" })).toMatchObject({ natGateways: 0, vpcEndpoints: true });
  });

  it("rejects isolated subnets without endpoints, since tasks could not pull images", () => {
    expect(() => from({ natGateways: "0" })).toThrow(/vpcEndpoints=true/);
  });

  it("accepts only retention periods CloudWatch Logs supports", () => {
    expect(from({ logRetention: "90" }).logRetention).toBe(RetentionDays.THREE_MONTHS);
    expect(() => from({ logRetention: "31" })).toThrow(/logRetentionDays must be one of/);
  });

  it("rejects stage names that would break resource names", () => {
    expect(() => from({ stage: "Prod" })).toThrow(/stage/);
    expect(() => from({ stage: "a-very-long-stage" })).toThrow(/1-12/);
  });

  it("rejects a web origin with a path and booleans that are not true/false", () => {
    expect(() => from({ webOrigin: "https://x.example.com/app" })).toThrow(/webOrigin/);
    expect(() => from({ waf: "yes" })).toThrow(/waf must be true or false/);
  });
});

describe("loadConfig", () => {
  it("prefers CDK context over environment variables", () => {
    const app = new App({ context: { stage: "qa", waf: "true" } });
    const config = loadConfig(app, {
      MCPFLOW_STAGE: "ignored",
      MCPFLOW_WEB_ORIGIN: "https://ui.example.com",
    });
    expect(config).toMatchObject({ stage: "qa", waf: true, webOrigin: "https://ui.example.com" });
  });
});
