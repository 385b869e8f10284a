// Execution stack: where workflow steps run. VPC and ECS cluster for a run's server tasks (the runner in host mode,
// started once per server per run: decision 0008), the roles the runtime hands to the task definitions and state
// machines it creates, the step executor Lambda (in the VPC, the only caller a server task admits), and the
// EventBridge rule that turns Step Functions status changes into run records and stops the run's tasks.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CfnOutput, Duration, IgnoreMode, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  type IVpc,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from "aws-cdk-lib/aws-ec2";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import { Cluster, ContainerInsights } from "aws-cdk-lib/aws-ecs";
import { Match, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { RUN_HOST_PORT } from "../../shared/outbound/run-host.js";
import {
  arnFinding,
  bucketObjectsAcknowledgement,
  secretsAcknowledgement,
  taskTokenAcknowledgement,
} from "../acknowledgements.js";
import type { McpflowConfig } from "../config.js";
import { allow, attachPolicy, McpflowFunction } from "../constructs/mcpflow-function.js";
import { acknowledge } from "../nag.js";
import { type StageNames, stageNames } from "../naming.js";
import { RUNNER_CONTEXT_INCLUDES, RUNNER_DOCKERFILE, repoRoot } from "../paths.js";
import {
  arnOf,
  bucketObjects,
  LOG_DELIVERY_ACTIONS,
  secretsArn,
  stepRecordAccess,
  tableAccess,
  taskDefinitionsArn,
} from "../policies.js";

export interface ExecutionStackProps extends StackProps {
  readonly config: McpflowConfig;
  readonly table: ITable;
  /** Docker build context of the runner image (default: the repository root). */
  readonly runnerContextDir?: string;
}

export class ExecutionStack extends Stack {
  readonly vpc: IVpc;
  readonly cluster: Cluster;
  readonly taskSecurityGroup: SecurityGroup;
  /** The step executor's: the only source a server task admits on the host port. */
  readonly executorSecurityGroup: SecurityGroup;
  readonly taskRole: Role;
  readonly executionRole: Role;
  readonly stateMachineRole: Role;
  readonly runnerLogGroup: LogGroup;
  readonly stateMachineLogGroup: LogGroup;
  readonly runnerImage: string;
  readonly remoteInvoker: McpflowFunction;
  readonly runStatus: McpflowFunction;
  /** The execution half of the Lambda environment (see docs/deploy.md); the API stack adds auth and web. */
  readonly lambdaEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ExecutionStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const names = stageNames(config.stage);

    this.vpc = this.networking(config, names);
    const taskSubnets: SubnetSelection = {
      subnetType:
        config.natGateways > 0 || config.vpcId ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED,
    };
    this.taskSecurityGroup = new SecurityGroup(this, "TaskSecurityGroup", {
      vpc: this.vpc,
      description:
        "mcpflow server tasks: inbound only the host port from the step executor; outbound HTTPS to AWS APIs, " +
        "registries and the upstreams of the servers",
      allowAllOutbound: true,
    });
    this.executorSecurityGroup = new SecurityGroup(this, "ExecutorSecurityGroup", {
      vpc: this.vpc,
      description:
        "mcpflow step executor: to the server tasks of runs (host port), AWS APIs and remote MCP servers",
      allowAllOutbound: true,
    });
    // A run's steps reach its servers here, and nothing else does (the host key is the second line).
    this.taskSecurityGroup.addIngressRule(
      this.executorSecurityGroup,
      Port.tcp(RUN_HOST_PORT),
      "the steps of runs, from the step executor",
    );
    if (config.vpcEndpoints)
      this.addEndpoints(this.vpc, taskSubnets, [this.taskSecurityGroup, this.executorSecurityGroup]);

    this.cluster = new Cluster(this, "Cluster", {
      clusterName: names.prefix,
      vpc: this.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });

    this.runnerLogGroup = new LogGroup(this, "RunnerLogs", {
      logGroupName: `/mcpflow/${config.stage}/runner`,
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The /aws/vendedlogs/ prefix keeps the CloudWatch Logs resource policy that Step Functions writes short.
    this.stateMachineLogGroup = new LogGroup(this, "StateMachineLogs", {
      logGroupName: `/aws/vendedlogs/states/${names.prefix}`,
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.runnerImage = this.resolveRunnerImage(config, props.runnerContextDir ?? repoRoot);
    const secrets = secretsArn(names);

    // Server task role: what the runner in host mode calls. The task runs the server's own code, so it holds
    // nothing that reaches other runs: no table (the run's host key is there), no payload bucket (decision 0008).
    this.taskRole = new Role(this, "RunnerTaskRole", {
      assumedBy: ecsTasksPrincipal(this),
      description:
        "mcpflow runner task: reports its server's address with the task token, asks whether its run's " +
        "execution still runs; no table or bucket access",
    });
    attachPolicy(this, "RunnerTaskTokens", this.taskRole, [taskTokenStatement()], taskTokenAcknowledgement());
    attachPolicy(
      this,
      "RunnerExecutionStatus",
      this.taskRole,
      [allow(["states:DescribeExecution"], [arnOf("states", `execution:${names.stateMachinePrefix}*:*`)])],
      {
        findings: [arnFinding("states", `execution:${names.stateMachinePrefix}*:*`)],
        reason:
          `DescribeExecution on executions of this stage's state machines (${names.stateMachinePrefix}*), created ` +
          "at run time: a server task ends itself once its run's execution is no longer RUNNING.",
      },
    );

    // Task execution role: what ECS needs to start the task (image pull, logs, secrets injection).
    this.executionRole = new Role(this, "RunnerExecutionRole", {
      assumedBy: ecsTasksPrincipal(this),
      description: "mcpflow runner task execution: ECR pull, runner logs, MCP server secrets as ECS secrets",
    });
    attachPolicy(
      this,
      "RunnerExecution",
      this.executionRole,
      [
        allow(["ecr:GetAuthorizationToken"], ["*"]),
        allow(
          ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          [arnOf("ecr", "repository/*")],
        ),
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], [this.runnerLogGroup.logGroupArn]),
        allow(["secretsmanager:GetSecretValue"], [secrets]),
      ],
      {
        findings: [
          "Resource::*",
          arnFinding("ecr", "repository/*"),
          arnFinding("secretsmanager", `secret:${names.secretsPrefix}*`),
        ],
        reason:
          "ecr:GetAuthorizationToken has no resource-level permissions (Resource::*). Image pulls are limited to " +
          "this account's ECR repositories (repository/*) because MCP server images are registered at run time, " +
          `not at deploy time. GetSecretValue is limited to secrets named ${names.secretsPrefix}*, the only ` +
          "secrets the API creates, injected into tasks as ECS secrets.",
      },
    );

    const commonEnvironment = {
      MCPFLOW_MODE: "aws",
      MCPFLOW_STAGE: config.stage,
      MCPFLOW_TABLE: table.tableName,
      MCPFLOW_BUCKET: names.payloadBucket,
      MCPFLOW_SECRETS_PREFIX: names.secretsPrefix,
    };

    this.remoteInvoker = new McpflowFunction(this, "RemoteMcpInvoker", {
      entry: "functions/invoker/remote-mcp.ts",
      description: "The step executor: runs a step against its run's server task or a remote MCP server",
      serviceName: "mcpflow-remote-mcp",
      environment: commonEnvironment,
      logRetention: config.logRetention,
      // A tool call may be slow; the state's own TimeoutSeconds/heartbeat bounds the run, Lambda's cap is 15 min.
      timeout: Duration.minutes(15),
      memorySize: 512,
      // In the VPC: a run's server tasks admit the host port from its security group only.
      network: { vpc: this.vpc, subnets: taskSubnets, securityGroup: this.executorSecurityGroup },
    });
    // What Lambda needs to attach the function to the VPC (AWSLambdaVPCAccessExecutionRole's actions, inline).
    this.remoteInvoker.grant(
      "VpcNetworkInterfaces",
      [
        allow(
          [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          ["*"],
        ),
      ],
      {
        findings: ["Resource::*"],
        reason:
          "Lambda creates and deletes the function's network interfaces in the VPC with its execution role; these " +
          "are the actions of AWS's AWSLambdaVPCAccessExecutionRole, which grants them on * as Lambda requires.",
      },
    );
    // It beats while a call lasts (a remote call's HeartbeatSeconds is at most 60 s), as the runner does.
    this.remoteInvoker.grant("TaskTokens", [taskTokenStatement()], taskTokenAcknowledgement());
    // Like the runner: loadStepCall reads the workflow, run and server items; stepStarted/stepEnded update the step.
    this.remoteInvoker.grant("StepRecords", stepRecordAccess(table));
    this.remoteInvoker.grant(
      "ServerSecrets",
      [allow(["secretsmanager:GetSecretValue"], [secrets])],
      secretsAcknowledgement(names, "reads the credentials of the remote MCP server it calls"),
    );
    this.remoteInvoker.grant(
      "Payloads",
      bucketObjects(names, "readwrite", false),
      bucketObjectsAcknowledgement(names),
    );

    // Workflow state machines are created by the workflows API at run time and all run as this role.
    this.stateMachineRole = new Role(this, "StateMachineRole", {
      assumedBy: new ServicePrincipal("states.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
      description: `Role of every ${names.stateMachinePrefix}* state machine: run runner tasks, invoke the remote MCP invoker`,
    });
    const taskDefinitions = taskDefinitionsArn(names);
    const clusterTasks = arnOf("ecs", `task/${names.prefix}/*`);
    attachPolicy(
      this,
      "StateMachineTasks",
      this.stateMachineRole,
      [
        allow(["ecs:RunTask"], [taskDefinitions], { ArnEquals: { "ecs:cluster": this.cluster.clusterArn } }),
        allow(["ecs:TagResource"], [clusterTasks], { StringEquals: { "ecs:CreateAction": "RunTask" } }),
        allow(["iam:PassRole"], [this.taskRole.roleArn, this.executionRole.roleArn], {
          StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
        }),
        allow(["lambda:InvokeFunction"], [this.remoteInvoker.function.functionArn]),
      ],
      {
        findings: [
          arnFinding("ecs", `task-definition/${names.taskFamilyPrefix}*`),
          arnFinding("ecs", `task/${names.prefix}/*`),
        ],
        reason:
          `ecs:RunTask is limited to task-definition families ${names.taskFamilyPrefix}* (registered per server ` +
          "version at run time, so no ARN exists at deploy time) and to this stage's cluster by the ecs:cluster " +
          `condition; ecs:TagResource only on tasks of cluster ${names.prefix} (task IDs are assigned by RunTask) ` +
          "and only as part of RunTask.",
      },
    );
    attachPolicy(
      this,
      "StateMachineObservability",
      this.stateMachineRole,
      [
        allow(LOG_DELIVERY_ACTIONS, ["*"]),
        allow(
          [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
          ],
          ["*"],
        ),
      ],
      {
        findings: ["Resource::*"],
        reason:
          "Step Functions logging to CloudWatch Logs uses vended log delivery (logs:*LogDelivery, " +
          "PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray tracing (PutTraceSegments, " +
          "PutTelemetryRecords, GetSampling*); none of these actions supports resource-level permissions.",
      },
    );

    this.runStatus = this.runStatusPipeline(config, names, table, {
      ...commonEnvironment,
      MCPFLOW_CLUSTER_ARN: this.cluster.clusterArn,
    });

    this.lambdaEnvironment = {
      ...commonEnvironment,
      // Lets the orchestrator compute state machine ARNs (DescribeStateMachine) instead of ListStateMachines.
      MCPFLOW_ACCOUNT_ID: this.account,
      MCPFLOW_STATE_MACHINE_ROLE_ARN: this.stateMachineRole.roleArn,
      MCPFLOW_CLUSTER_ARN: this.cluster.clusterArn,
      MCPFLOW_SUBNETS: this.vpc.selectSubnets(taskSubnets).subnetIds.join(","),
      MCPFLOW_SECURITY_GROUPS: this.taskSecurityGroup.securityGroupId,
      MCPFLOW_RUNNER_IMAGE: this.runnerImage,
      MCPFLOW_TASK_ROLE_ARN: this.taskRole.roleArn,
      MCPFLOW_EXECUTION_ROLE_ARN: this.executionRole.roleArn,
      MCPFLOW_LOG_GROUP: this.runnerLogGroup.logGroupName,
      MCPFLOW_STATE_MACHINE_LOG_GROUP_ARN: this.stateMachineLogGroup.logGroupArn,
      MCPFLOW_REMOTE_INVOKER_ARN: this.remoteInvoker.function.functionArn,
    };

    new CfnOutput(this, "ClusterArn", { value: this.cluster.clusterArn });
    new CfnOutput(this, "RunnerImage", { value: this.runnerImage });
    new CfnOutput(this, "StateMachineRoleArn", { value: this.stateMachineRole.roleArn });
    new CfnOutput(this, "StateMachinesConsoleUrl", {
      description: `Step Functions console: filter by ${names.stateMachinePrefix}`,
      value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines`,
    });
    new CfnOutput(this, "ClusterConsoleUrl", {
      description: "ECS console: the runner cluster and its tasks",
      value: `https://${this.region}.console.aws.amazon.com/ecs/v2/clusters/${this.cluster.clusterName}/tasks?region=${this.region}`,
    });
  }

  private networking(config: McpflowConfig, names: StageNames): IVpc {
    if (config.vpcId) {
      // A lookup needs a concrete account and region (CDK_DEFAULT_ACCOUNT/REGION) and credentials at synth.
      return Vpc.fromLookup(this, "Vpc", { vpcId: config.vpcId });
    }
    const isolated = config.natGateways === 0;
    const vpc = new Vpc(this, "Vpc", {
      vpcName: names.prefix,
      maxAzs: 2,
      natGateways: config.natGateways,
      subnetConfiguration: [
        ...(isolated ? [] : [{ name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 }]),
        {
          name: "tasks",
          subnetType: isolated ? SubnetType.PRIVATE_ISOLATED : SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: 20,
        },
      ],
      // Restricting the default security group needs a custom-resource Lambda; nothing uses that group.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogs = new LogGroup(this, "FlowLogs", {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog("FlowLog", {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  /**
   * Endpoints for everything the server tasks and the step executor talk to inside AWS, so they can run without NAT
   * (remote MCP servers on the internet then stay out of reach: docs/deploy.md).
   */
  private addEndpoints(vpc: IVpc, subnets: SubnetSelection, clients: SecurityGroup[]): void {
    // Only the tasks and the executor may reach the endpoints (not the whole VPC CIDR, the interface default).
    const endpoints = new SecurityGroup(this, "EndpointSecurityGroup", {
      vpc,
      description: "mcpflow VPC interface endpoints: HTTPS from server tasks and the step executor only",
      allowAllOutbound: false,
    });
    for (const client of clients)
      endpoints.addIngressRule(client, Port.tcp(443), "HTTPS from mcpflow server tasks or the step executor");
    vpc.addGatewayEndpoint("S3Endpoint", { service: GatewayVpcEndpointAwsService.S3, subnets: [subnets] });
    // The executor reads and writes the run's records.
    vpc.addGatewayEndpoint("DynamoDbEndpoint", {
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [subnets],
    });
    const services = {
      EcrApi: InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      StepFunctions: InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
    };
    for (const [id, service] of Object.entries(services)) {
      vpc.addInterfaceEndpoint(`${id}Endpoint`, {
        service,
        subnets,
        privateDnsEnabled: true,
        securityGroups: [endpoints],
        open: false,
      });
    }
  }

  private resolveRunnerImage(config: McpflowConfig, contextDir: string): string {
    if (config.runnerImage) return config.runnerImage;
    const dockerfile = join(contextDir, RUNNER_DOCKERFILE);
    if (!existsSync(dockerfile)) {
      throw new Error(
        `${dockerfile} not found: write it, or pass a prebuilt image with -c runnerImage=<uri>`,
      );
    }
    // Synth only stages the context into cdk.out (a file copy, no Docker); `cdk deploy` builds and pushes it.
    const asset = new DockerImageAsset(this, "RunnerImageAsset", {
      directory: contextDir,
      file: RUNNER_DOCKERFILE,
      platform: Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [
        "**",
        ...RUNNER_CONTEXT_INCLUDES.map((path) => `!${path}`),
        "**/node_modules",
        "**/*.test.ts",
      ],
    });
    return asset.imageUri;
  }

  private runStatusPipeline(
    config: McpflowConfig,
    names: StageNames,
    table: ITable,
    environment: Record<string, string>,
  ): McpflowFunction {
    const runStatus = new McpflowFunction(this, "RunStatus", {
      entry: "functions/events/run-status.ts",
      description: "Updates run records from Step Functions execution status changes",
      serviceName: "mcpflow-run-status",
      environment,
      logRetention: config.logRetention,
      timeout: Duration.seconds(30),
      memorySize: 512,
    });
    runStatus.grant("Runs", tableAccess(table, "readwrite"));
    // At a run's end it reads how long the run's server tasks ran (its cost), then stops them (the run's task group
    // among the cluster's tasks).
    const inCluster = { ArnEquals: { "ecs:cluster": this.cluster.clusterArn } };
    runStatus.grant(
      "RunTasks",
      [
        allow(["ecs:ListTasks"], ["*"], inCluster),
        allow(["ecs:DescribeTasks", "ecs:StopTask"], [arnOf("ecs", `task/${names.prefix}/*`)], inCluster),
      ],
      {
        findings: ["Resource::*", arnFinding("ecs", `task/${names.prefix}/*`)],
        reason:
          "ecs:ListTasks names no task (Resource::*) and is confined to this stage's cluster by the ecs:cluster " +
          `condition; DescribeTasks and StopTask only on tasks of cluster ${names.prefix}, whose IDs RunTask ` +
          "assigns at run time.",
      },
    );
    // The run's cost (shared/costs/aws-measure.ts): the execution's history, counted as Step Functions bills it.
    runStatus.grant(
      "ExecutionHistory",
      [allow(["states:GetExecutionHistory"], [arnOf("states", `execution:${names.stateMachinePrefix}*:*`)])],
      {
        findings: [arnFinding("states", `execution:${names.stateMachinePrefix}*:*`)],
        reason:
          `GetExecutionHistory on executions of this stage's state machines (${names.stateMachinePrefix}*), ` +
          "created at run time: run-status counts a run's state transitions and step executor calls at its end.",
      },
    );
    // It reads the run and the workflow version, ends the run and settles its steps (the event carries the
    // execution's status, output and error). A run output over 64 KiB goes to the payload bucket
    // (shared/runs/limits.ts), and a workflow version's ASL over 300 KB is read from it.
    runStatus.grant(
      "Payloads",
      bucketObjects(names, "readwrite", false),
      bucketObjectsAcknowledgement(names),
    );

    const deadLetters = new Queue(this, "RunStatusDeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      deadLetters,
      "AwsSolutions-SQS3",
      "This queue is itself the dead-letter queue of the run-status EventBridge target.",
    );

    new Rule(this, "ExecutionStatusRule", {
      description: `Step Functions status changes of ${names.stateMachinePrefix}* state machines to the run-status Lambda`,
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: {
          stateMachineArn: Match.prefix(arnOf("states", `stateMachine:${names.stateMachinePrefix}`)),
        },
      },
      targets: [
        new LambdaFunction(runStatus.function, {
          deadLetterQueue: deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    return runStatus;
  }
}

function ecsTasksPrincipal(stack: Stack): ServicePrincipal {
  return new ServicePrincipal("ecs-tasks.amazonaws.com", {
    conditions: {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: { "aws:SourceArn": arnOf("ecs", "*") },
    },
  });
}

function taskTokenStatement() {
  return allow(["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"], ["*"]);
}
