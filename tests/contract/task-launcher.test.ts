// TaskLauncher: the embedded platform's (servers are child processes) and ECS's (task definitions, on
// moto_server) pass one contract.
import { ECSClient } from "@aws-sdk/client-ecs";
import { beforeAll, describe } from "vitest";
import { createEcsTaskLauncher } from "../../shared/tasks/ecs-launcher.js";
import { createLocalTaskLauncher } from "../../shared/tasks/local-launcher.js";
import type { TaskLauncher } from "../../shared/tasks/port.js";
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoAvailable, useMotoServer } from "../helpers/moto.js";
import { taskLauncherContract } from "./task-launcher.contract.js";

taskLauncherContract("local", () => createLocalTaskLauncher());

describe.skipIf(!motoAvailable)("ECS on moto_server", () => {
  const moto = useMotoServer();
  let launcher: TaskLauncher;
  beforeAll(() => {
    launcher = createEcsTaskLauncher({
      client: new ECSClient(moto.clientConfig),
      runnerImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/mcpflow-runner:contract",
      taskRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-contract-task`,
      executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/mcpflow-contract-execution`,
      logGroup: "/mcpflow/contract/runner",
      region: MOTO_REGION,
      secretsPrefix: "mcpflow/contract/",
    });
  });
  taskLauncherContract("ECS (moto)", () => launcher);
});
