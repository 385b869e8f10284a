// IAM matches the code: for each Lambda and the runner task role, the AWS SDK calls its code makes (read from the
// handlers, shared/ services and adapters) with a resource each call really names, and a check that the role's
// policies allow every one; control-plane grants (Step Functions, ECS, IAM, Secrets Manager) allow nothing else.
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { McpflowApp } from "../../infra/app.js";
import { PAGING_AREAS } from "../../infra/stacks/api-stack.js";
import { synthApp, TEST_RUNNER_IMAGE } from "./support.js";

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; Value?: unknown; Export?: { Name: unknown } }
>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const PSEUDO: Record<string, string> = {
  "AWS::Partition": "aws",
  "AWS::Region": REGION,
  "AWS::AccountId": ACCOUNT,
};

/** A CloudFormation value as text: pseudo-parameters filled in, imports and attributes as «markers». */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === "string") return PSEUDO[node.Ref] ?? `«ref:${node.Ref}»`;
  if (node["Fn::Join"]) {
    const [separator, parts] = node["Fn::Join"] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  if (node["Fn::ImportValue"] !== undefined) return `«import:${render(node["Fn::ImportValue"])}»`;
  if (node["Fn::GetAtt"]) return `«getatt:${(node["Fn::GetAtt"] as string[]).join(".")}»`;
  return `«${JSON.stringify(node)}»`;
}

/** IAM's wildcard match: `*` is any run of characters (including `:` and `/`), `?` one character. */
function iamMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The Allow statements of every policy attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy") as Resources;
  const found = Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => s.Effect === "Allow");
  expect(found.length, rolePrefix).toBeGreaterThan(0);
  return found;
}

function allows(statements: Statement[], action: string, resource: string): boolean {
  return statements.some(
    (s) =>
      asArray(s.Action).some((a) => iamMatches(a, action)) &&
      asArray(s.Resource).some((r) => iamMatches(render(r), resource)),
  );
}

/** The «import» marker of the export that carries `<logicalIdPrefix>….<attribute>` out of `template`'s stack. */
function exported(template: Template, logicalIdPrefix: string, attribute = "Arn"): string {
  const outputs = template.findOutputs("*") as Resources;
  const output = Object.values(outputs).find((o) => {
    const getAtt = (o.Value as { "Fn::GetAtt"?: string[] } | undefined)?.["Fn::GetAtt"];
    return o.Export !== undefined && getAtt?.[0]?.startsWith(logicalIdPrefix) && getAtt[1] === attribute;
  });
  expect(output, `export of ${logicalIdPrefix}.${attribute}`).toBeDefined();
  return `«import:${render(output!.Export!.Name)}»`;
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** Resources the calls name, as the runtime builds them for stage `test`. */
const sample = {
  object: `arn:aws:s3:::mcpflow-test-payloads-${ACCOUNT}-${REGION}/runs/01JRUN/steps/fetch.json`,
  secret: arn("secretsmanager", "secret:mcpflow/test/acme/weather/API_TOKEN-AbCdEf"),
  stateMachine: arn("states", "stateMachine:mcpflow-test-daily-report"),
  stateMachineVersion: arn("states", "stateMachine:mcpflow-test-daily-report:3"),
  stateMachineAlias: arn("states", "stateMachine:mcpflow-test-daily-report:live"),
  execution: arn("states", "execution:mcpflow-test-daily-report:01JRUN"),
  taskDefinition: arn("ecs", "task-definition/mcpflow-test-acme-weather-1-0-0:1"),
  task: arn("ecs", "task/mcpflow-test/0123456789abcdef0123456789abcdef"),
  any: "*",
};

type Resource =
  | keyof typeof sample
  | "table"
  | "gsi"
  | "taskRole"
  | "executionRole"
  | "stateMachineRole"
  | "remoteInvoker"
  | "cursorKey";

interface Grantee {
  /** Which template holds the role, and the role's logical id prefix. */
  readonly stack: "api" | "execution";
  readonly role: string;
  /** `[action, resource]` for each SDK call the code makes (commands in shared/ and functions/). */
  readonly calls: readonly (readonly [string, Resource])[];
}

const itemReads = [
  ["dynamodb:GetItem", "table"],
  ["dynamodb:Query", "table"],
] as const;
const itemWrites = [
  ["dynamodb:PutItem", "table"],
  ["dynamodb:UpdateItem", "table"],
] as const;
/** Every function that serves a list signs and checks page cursors with the key it reads once per container. */
const cursorKeyRead = ["secretsmanager:GetSecretValue", "cursorKey"] as const;

const GRANTEES: Record<string, Grantee> = {
  // functions/api/registry.ts: Registry, tasks.register on publish, secrets put/list/delete, probe via the invoker.
  registry: {
    stack: "api",
    role: "RegistryApiRole",
    calls: [
      ...itemReads,
      ...itemWrites,
      ["dynamodb:Query", "gsi"],
      ["ecs:RegisterTaskDefinition", "any"],
      ["ecs:TagResource", "taskDefinition"],
      ["iam:PassRole", "taskRole"],
      ["iam:PassRole", "executionRole"],
      ["secretsmanager:CreateSecret", "secret"],
      ["secretsmanager:TagResource", "secret"],
      ["secretsmanager:PutSecretValue", "secret"],
      ["secretsmanager:ListSecrets", "any"],
      ["secretsmanager:DescribeSecret", "secret"],
      ["secretsmanager:DeleteSecret", "secret"],
      ["lambda:InvokeFunction", "remoteInvoker"],
      cursorKeyRead,
    ],
  },
  // functions/api/registry-sync.ts: sync sources (items), publishes imports (tasks.register), no secrets, no probe.
  "registry-sync": {
    stack: "api",
    role: "RegistrySyncApiRole",
    calls: [
      ...itemReads,
      ...itemWrites,
      ["dynamodb:Query", "gsi"],
      ["ecs:RegisterTaskDefinition", "any"],
      ["ecs:TagResource", "taskDefinition"],
      ["iam:PassRole", "taskRole"],
      ["iam:PassRole", "executionRole"],
    ],
  },
  // functions/api/workflows.ts: Workflows (deploy through shared/orchestrator/step-functions.ts), Runs.create, start.
  workflows: {
    stack: "api",
    role: "WorkflowsApiRole",
    calls: [
      ...itemReads,
      ...itemWrites,
      ["dynamodb:Query", "gsi"],
      ["s3:GetObject", "object"],
      ["s3:PutObject", "object"],
      ["states:DescribeStateMachine", "stateMachine"],
      ["states:CreateStateMachine", "stateMachine"],
      ["states:UpdateStateMachine", "stateMachine"],
      ["states:PublishStateMachineVersion", "stateMachine"],
      ["states:TagResource", "stateMachine"],
      ["states:CreateStateMachineAlias", "stateMachineAlias"],
      ["states:UpdateStateMachineAlias", "stateMachineAlias"],
      ["states:StartExecution", "stateMachineVersion"],
      ["states:StartExecution", "stateMachineAlias"],
      ["states:StartExecution", "stateMachine"],
      ["iam:PassRole", "stateMachineRole"],
      ["logs:CreateLogDelivery", "any"],
      cursorKeyRead,
    ],
  },
  // functions/api/runs.ts: Runs, orchestrator.stop and orchestrator.events.
  runs: {
    stack: "api",
    role: "RunsApiRole",
    calls: [
      ...itemReads,
      ["dynamodb:UpdateItem", "table"],
      ["dynamodb:Query", "gsi"],
      ["s3:GetObject", "object"],
      ["states:StopExecution", "execution"],
      ["states:GetExecutionHistory", "execution"],
      cursorKeyRead,
    ],
  },
  mcds: {
    stack: "api",
    role: "McdsApiRole",
    calls: [
      ...itemReads,
      ...itemWrites,
      ["dynamodb:Query", "gsi"],
      ["s3:GetObject", "object"],
      cursorKeyRead,
    ],
  },
  search: {
    stack: "api",
    role: "SearchApiRole",
    calls: [...itemReads, ["dynamodb:Query", "gsi"], cursorKeyRead],
  },
  identity: {
    stack: "api",
    role: "IdentityApiRole",
    calls: [...itemReads, ...itemWrites, ["dynamodb:Query", "gsi"], cursorKeyRead],
  },
  // functions/api/meta.ts: /v1/health asks DescribeTable.
  meta: { stack: "api", role: "MetaApiRole", calls: [["dynamodb:DescribeTable", "table"]] },
  // functions/events/run-status.ts: endRun (Runs.get/settleSteps/finish, a large run output to S3),
  // Workflows.versionForRun (a large ASL from S3), measureAwsRun (the execution's history, the run's tasks: ListTasks
  // and DescribeTasks), then stopRunTasks (shared/tasks/run-tasks.ts).
  "run-status": {
    stack: "execution",
    role: "RunStatusRole",
    calls: [
      ...itemReads,
      ["dynamodb:UpdateItem", "table"],
      ["dynamodb:BatchWriteItem", "table"],
      ["s3:GetObject", "object"],
      ["s3:PutObject", "object"],
      ["ecs:ListTasks", "any"],
      ["ecs:DescribeTasks", "task"],
      ["ecs:StopTask", "task"],
      ["states:GetExecutionHistory", "execution"],
    ],
  },
  // functions/invoker/remote-mcp.ts: loadStepCall, Runs.stepStarted/stepEnded, materializeRuntime, SendTask*;
  // functions/invoker/probe.ts: Registry.getVersion, materializeRuntime.
  "remote-mcp-invoker": {
    stack: "execution",
    role: "RemoteMcpInvokerRole",
    calls: [
      ...itemReads,
      ...itemWrites,
      ["s3:GetObject", "object"],
      ["s3:PutObject", "object"],
      ["secretsmanager:GetSecretValue", "secret"],
      ["states:SendTaskSuccess", "any"],
      ["states:SendTaskFailure", "any"],
      ["states:SendTaskHeartbeat", "any"],
    ],
  },
  // functions/runner/host.ts (the task's mode on AWS, decision 0008): SendTaskSuccess/Failure with its address,
  // DescribeExecution for its run; the task token statement is shared with the step mode, which also beats.
  runner: {
    stack: "execution",
    role: "RunnerTaskRole",
    calls: [
      ["states:SendTaskSuccess", "any"],
      ["states:SendTaskFailure", "any"],
      ["states:SendTaskHeartbeat", "any"],
      ["states:DescribeExecution", "execution"],
    ],
  },
};

/** Services whose grants must be exactly the listed calls (data-plane table and bucket grants are per area). */
const EXACT_SERVICES = ["states:", "ecs:", "iam:", "secretsmanager:", "lambda:"];

let built: McpflowApp;
let templates: Record<Grantee["stack"], Template>;
let resources: Record<Resource, string>;

beforeAll(() => {
  built = synthApp({ stage: "test", runnerImage: TEST_RUNNER_IMAGE });
  const data = Template.fromStack(built.data);
  const execution = Template.fromStack(built.execution);
  templates = { api: Template.fromStack(built.api), execution };
  const table = exported(data, "Table");
  resources = {
    ...sample,
    table,
    gsi: `${table}/index/gsi1`,
    taskRole: exported(execution, "RunnerTaskRole"),
    executionRole: exported(execution, "RunnerExecutionRole"),
    stateMachineRole: exported(execution, "StateMachineRole"),
    remoteInvoker: exported(execution, "RemoteMcpInvoker"),
    cursorKey: `«ref:${Object.keys(templates.api.findResources("AWS::SecretsManager::Secret"))[0]}»`,
  };
}, 300_000);

describe("IAM grants match the SDK calls each function makes", () => {
  for (const [name, grantee] of Object.entries(GRANTEES)) {
    it(`${name}: allows every call its code makes`, () => {
      const statements = roleStatements(templates[grantee.stack], grantee.role);
      const denied = grantee.calls
        .filter(([action, resource]) => !allows(statements, action, resources[resource]))
        .map(([action, resource]) => `${action} on ${resource}`);
      expect(denied).toEqual([]);
    });

    it(`${name}: grants no Step Functions, ECS, IAM, Secrets Manager or Lambda action its code does not call`, () => {
      const called = new Set(grantee.calls.map(([action]) => action));
      const granted = roleStatements(templates[grantee.stack], grantee.role)
        .flatMap((s) => asArray(s.Action))
        .filter((a) => EXACT_SERVICES.some((service) => a.startsWith(service)));
      expect(granted.filter((a) => !called.has(a))).toEqual([]);
    });
  }

  it("gives the server task role no table and no bucket access: the task runs the server's code (decision 0008)", () => {
    const statements = roleStatements(templates.execution, "RunnerTaskRole");
    const actions = statements.flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => a.startsWith("dynamodb:") || a.startsWith("s3:"))).toEqual([]);
    expect(
      allows(statements, "states:DescribeExecution", arn("states", "execution:other-machine:01JRUN")),
    ).toBe(false);
  });

  it("gives the step executor no Scan, DeleteItem, batch write or index access", () => {
    for (const name of ["remote-mcp-invoker"]) {
      const grantee = GRANTEES[name]!;
      const statements = roleStatements(templates[grantee.stack], grantee.role);
      const dynamo = statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith("dynamodb:"));
      expect(dynamo.sort(), name).toEqual([
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]);
      expect(allows(statements, "dynamodb:Query", resources.gsi), name).toBe(false);
    }
  });

  it("does not let the runs API start executions or the workflows API stop them", () => {
    const runs = roleStatements(templates.api, "RunsApiRole");
    const workflows = roleStatements(templates.api, "WorkflowsApiRole");
    expect(allows(runs, "states:StartExecution", resources.stateMachine)).toBe(false);
    expect(allows(workflows, "states:StopExecution", resources.execution)).toBe(false);
  });

  it("confines state machine and execution grants to the stage prefix", () => {
    const workflows = roleStatements(templates.api, "WorkflowsApiRole");
    const other = arn("states", "stateMachine:mcpflow-prod-daily-report:live");
    expect(allows(workflows, "states:StartExecution", other)).toBe(false);
    const runs = roleStatements(templates.api, "RunsApiRole");
    expect(allows(runs, "states:StopExecution", arn("states", "execution:other-machine:01JRUN"))).toBe(false);
  });
});

describe("the page cursors' key", () => {
  const functionRoles = (template: Template) =>
    Object.keys(template.findResources("AWS::IAM::Role")).filter((id) => /(Api|Role)/.test(id));

  it("is one secret the stack generates, named outside the MCP server secrets' prefix", () => {
    const secrets = templates.api.findResources("AWS::SecretsManager::Secret") as Resources;
    expect(Object.keys(secrets)).toHaveLength(1);
    const [secret] = Object.values(secrets);
    expect(secret!.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    expect(secret!.Properties.Name).toBe("mcpflow-test-cursor-key");
    expect(String(secret!.Properties.Name).startsWith("mcpflow/test/")).toBe(false);
  });

  it("is readable by the functions that list, and by no other role of any stack", () => {
    expect([...PAGING_AREAS]).toEqual(["identity", "mcds", "registry", "runs", "search", "workflows"]);
    // Its ARN as a role elsewhere would have to match it: named, with Secrets Manager's random suffix.
    const asArn = arn("secretsmanager", "secret:mcpflow-test-cursor-key-AbCdEf");
    const readers: string[] = [];
    for (const [stack, template] of Object.entries(templates)) {
      for (const role of functionRoles(template)) {
        const statements = (Object.values(template.findResources("AWS::IAM::Policy")) as Resources[string][])
          .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
          .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
          .filter((s) => s.Effect === "Allow");
        if (
          allows(statements, "secretsmanager:GetSecretValue", resources.cursorKey) ||
          allows(statements, "secretsmanager:GetSecretValue", asArn)
        )
          readers.push(`${stack}:${role.replace(/Role[0-9A-F]{8}$/, "")}`);
      }
    }
    expect(readers.sort()).toEqual(
      ["Identity", "Mcds", "Registry", "Runs", "Search", "Workflows"].map((area) => `api:${area}Api`),
    );
  });

  it("is named to the functions that list, and only to them", () => {
    const functions = templates.api.findResources("AWS::Lambda::Function") as Resources;
    const told = Object.entries(functions)
      .filter(([, fn]) => {
        const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables;
        return variables?.MCPFLOW_CURSOR_KEY_SECRET !== undefined;
      })
      .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ""));
    expect(told.sort()).toEqual([
      "IdentityApi",
      "McdsApi",
      "RegistryApi",
      "RunsApi",
      "SearchApi",
      "WorkflowsApi",
    ]);
  });
});
