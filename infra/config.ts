// Deployment settings for one mcpflow stage, read from CDK context (`-c key=value`, cdk.json) or the environment.
// Context wins over the environment so that a command line always says what it deploys.
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

export interface McpflowConfig {
  /** Short stage name (`dev`, `prod`); prefixes every physical name so stages can share an account. */
  readonly stage: string;
  /** Existing VPC to run Fargate tasks in; when absent a VPC is created. Needs an explicit account/region. */
  readonly vpcId: string | undefined;
  /** NAT gateways for a created VPC (0 means isolated subnets, which then need `vpcEndpoints`). */
  readonly natGateways: number;
  /** Interface/gateway endpoints for ECR, Logs, Secrets Manager, Step Functions, S3, DynamoDB. */
  readonly vpcEndpoints: boolean;
  readonly logRetention: RetentionDays;
  /** Associate a regional WAF web ACL with AWS managed rule groups to the API stage. */
  readonly waf: boolean;
  /** Origin of the web UI: CORS allow-origin and the base of the Cognito callback URLs. */
  readonly webOrigin: string;
  /** Deletion protection on the table and user pool; RETAIN instead of DESTROY for stateful resources. */
  readonly deletionProtection: boolean;
  /** Runner image URI; when absent the image is built from `functions/runner` as a CDK Docker asset. */
  readonly runnerImage: string | undefined;
  /** Steady-state requests per second and burst for the whole API stage. */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Cognito hosted-domain prefix, globally unique per region. */
  readonly authDomainPrefix: string | undefined;
  /**
   * Anonymous reads of the MCP registry API (/v0.1/servers), for IDEs pointed at this registry without credentials.
   * Off by default: the listed versions are then readable with a token or an API key only.
   */
  readonly registryPublicRead: boolean;
  /**
   * Every how many minutes an EventBridge rule invokes the registry sync function to sync every registry source
   * (docs/registry-sync.md); 0, the default, adds no rule.
   */
  readonly registrySyncMinutes: number;
}

type Source = Readonly<Record<string, string | undefined>>;

const ENV_NAMES: Record<keyof McpflowConfig, string> = {
  stage: "MCPFLOW_STAGE",
  vpcId: "MCPFLOW_VPC_ID",
  natGateways: "MCPFLOW_NAT_GATEWAYS",
  vpcEndpoints: "MCPFLOW_VPC_ENDPOINTS",
  logRetention: "MCPFLOW_LOG_RETENTION_DAYS",
  waf: "MCPFLOW_WAF",
  webOrigin: "MCPFLOW_WEB_ORIGIN",
  deletionProtection: "MCPFLOW_DELETION_PROTECTION",
  runnerImage: "MCPFLOW_RUNNER_IMAGE",
  throttleRateLimit: "MCPFLOW_THROTTLE_RATE",
  throttleBurstLimit: "MCPFLOW_THROTTLE_BURST",
  authDomainPrefix: "MCPFLOW_AUTH_DOMAIN_PREFIX",
  registryPublicRead: "MCPFLOW_REGISTRY_PUBLIC_READ",
  registrySyncMinutes: "MCPFLOW_REGISTRY_SYNC_MINUTES",
};

const CONTEXT_KEYS: Record<keyof McpflowConfig, string> = {
  stage: "stage",
  vpcId: "vpcId",
  natGateways: "natGateways",
  vpcEndpoints: "vpcEndpoints",
  logRetention: "logRetentionDays",
  waf: "waf",
  webOrigin: "webOrigin",
  deletionProtection: "deletionProtection",
  runnerImage: "runnerImage",
  throttleRateLimit: "throttleRateLimit",
  throttleBurstLimit: "throttleBurstLimit",
  authDomainPrefix: "authDomainPrefix",
  registryPublicRead: "registryPublicRead",
  registrySyncMinutes: "registrySyncMinutes",
};

/** Reads the configuration from the construct tree's context, falling back to `env`. */
export function loadConfig(scope: Construct, env: Source = process.env): McpflowConfig {
  const read = (key: keyof McpflowConfig): string | undefined => {
    const fromContext: unknown = scope.node.tryGetContext(CONTEXT_KEYS[key]);
    if (fromContext !== undefined && fromContext !== null && fromContext !== "") return String(fromContext);
    const fromEnv = env[ENV_NAMES[key]];
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
  };
  return parseConfig(read);
}

export function parseConfig(read: (key: keyof McpflowConfig) => string | undefined): McpflowConfig {
  const stage = read("stage") ?? "dev";
  // 12 characters keep `mcpflow-<stage>-payloads-<account>-<region>` within S3's 63-character bucket names.
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) {
    throw new Error(
      `stage "${stage}" must be 1-12 lowercase letters, digits or dashes, starting with a letter`,
    );
  }
  const vpcEndpoints = bool("vpcEndpoints", read("vpcEndpoints"), false);
  const natGateways = int("natGateways", read("natGateways"), vpcEndpoints ? 0 : 1);
  if (natGateways === 0 && !vpcEndpoints && read("vpcId") === undefined) {
    // Fargate tasks in isolated subnets without endpoints cannot pull images, write logs or return task tokens.
    throw new Error(
      "natGateways=0 needs vpcEndpoints=true: the runner tasks must reach ECR, Logs and Step Functions",
    );
  }
  const webOrigin = read("webOrigin") ?? "http://localhost:5173";
  if (!/^https?:\/\/[^/]+$/.test(webOrigin)) {
    throw new Error(
      `webOrigin "${webOrigin}" must be a scheme and host without a path, e.g. https://mcpflow.example.com`,
    );
  }
  const throttleRateLimit = int("throttleRateLimit", read("throttleRateLimit"), 50);
  return {
    stage,
    vpcId: read("vpcId"),
    natGateways,
    vpcEndpoints,
    logRetention: retention(read("logRetention")),
    waf: bool("waf", read("waf"), false),
    webOrigin,
    deletionProtection: bool("deletionProtection", read("deletionProtection"), stage === "prod"),
    runnerImage: read("runnerImage"),
    throttleRateLimit,
    throttleBurstLimit: int("throttleBurstLimit", read("throttleBurstLimit"), throttleRateLimit * 2),
    authDomainPrefix: read("authDomainPrefix"),
    registryPublicRead: bool("registryPublicRead", read("registryPublicRead"), false),
    registrySyncMinutes: int("registrySyncMinutes", read("registrySyncMinutes"), 0),
  };
}

function bool(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function int(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function retention(raw: string | undefined): RetentionDays {
  if (raw === undefined) return RetentionDays.ONE_MONTH;
  const days = Number(raw);
  // CloudWatch Logs accepts only a fixed set of retention periods; RetentionDays enumerates them.
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === "number");
  const match = allowed.find((v) => v === days && v !== RetentionDays.INFINITE);
  if (match === undefined) {
    throw new Error(
      `logRetentionDays must be one of ${allowed.filter((v) => v > 0).join(", ")}; got "${raw}"`,
    );
  }
  return match;
}
