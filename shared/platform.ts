// The adapters a handler works with. The embedded platform installs local ones with setPlatform(); in Lambda
// they are built once per container from the environment the CDK stacks set.
import type { BlobStore } from "./blobs/port.js";
import type { SignInSubject } from "./identity/sign-in-codes.js";
import type { TokenVerifier } from "./identity/tokens.js";
import type { Prober } from "./mcp/prober.js";
import type { Orchestrator } from "./orchestrator/port.js";
import type { SecretStore } from "./secrets/port.js";
import type { CursorKeyring } from "./store/signed-cursor.js";
import type { Table } from "./store/table.js";
import type { TaskLauncher } from "./tasks/port.js";

export interface Platform {
  mode: "local" | "aws";
  table: Table;
  verifier: TokenVerifier;
  blobs: BlobStore;
  secrets: SecretStore;
  orchestrator: Orchestrator;
  /** Registers what runs a containerised server version (ECS task definitions; nothing locally). */
  tasks: TaskLauncher;
  /** Starts or reaches a server version to list its tools (in this process locally; the invoker Lambda on AWS). */
  prober: Prober;
  /** Where compiled Task states point: the ECS cluster, subnets and the remote invoker (placeholders locally). */
  target: ExecutionTarget;
  /**
   * Mints session tokens for redeemed sign-in codes: the embedded platform, which holds its signing key. Absent on
   * AWS, where Cognito signs people in.
   */
  sessions?: { mint(subject: SignInSubject, expiresInSeconds: number): Promise<string> };
  /**
   * The keys that sign and check page cursors (shared/store/signed-cursor.ts): a file of the home locally, a Secrets
   * Manager secret read once per Lambda container. `wanted`, a key id a cursor names that these keys lack, makes a
   * container read its keys again (at most once a minute), as another container may have seen a rotation first.
   */
  cursorKeys(wanted?: string): Promise<CursorKeyring>;
  /** Whether the platform can serve requests (its store answers); GET /v1/health reports it. Never throws. */
  health(): Promise<boolean>;
}

export interface ExecutionTarget {
  clusterArn: string;
  subnets: string[];
  securityGroups: string[];
  remoteInvokerArn: string;
  runnerContainerName: string;
  /** HeartbeatSeconds of a remote call's Task (default 60); MCPFLOW_REMOTE_HEARTBEAT_SECONDS on AWS. */
  remoteHeartbeatSeconds?: number;
}

let current: Platform | undefined;
let building: Promise<Platform> | undefined;

export function setPlatform(platform: Platform | undefined): void {
  current = platform;
  building = undefined;
}

export async function getPlatform(): Promise<Platform> {
  if (current) return current;
  building ??= import("./aws-platform.js").then(({ createAwsPlatform }) => {
    current = createAwsPlatform(process.env);
    return current;
  });
  return building;
}
