// Stopping what a run started on ECS (decision 0008): its server tasks, which "Start servers" starts in the task
// group `mcpflow-run:<run id>` (RunTask's Group; Step Functions passes no StartedBy of ours to RunTask), found among
// the cluster's running tasks and stopped with StopTask (ECS sends SIGTERM; the host closes its server and exits).
// run-status calls it once the run has ended, however it ended.
import type { ECSClient } from "@aws-sdk/client-ecs";

/** The prefix of a run's task group; the compiler writes `<prefix><run id>` into every RunTask it emits. */
export const RUN_TASK_GROUP_PREFIX = "mcpflow-run:";

export function runTaskGroup(runId: string): string {
  return `${RUN_TASK_GROUP_PREFIX}${runId}`;
}

/** The SDK package, imported at the first call: see shared/aws/lazy-client.ts. */
const ecs = () => import("@aws-sdk/client-ecs");

/**
 * Stops every running task of the run; answers the task ARNs it stopped (none on a replay). ListTasks cannot filter
 * by group, so this reads the cluster's running tasks, 100 per ListTasks and DescribeTasks pair.
 */
export async function stopRunTasks(
  client: Pick<ECSClient, "send">,
  cluster: string,
  runId: string,
): Promise<string[]> {
  const { DescribeTasksCommand, ListTasksCommand, StopTaskCommand } = await ecs();
  const group = runTaskGroup(runId);
  const stopped: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListTasksCommand({ cluster, desiredStatus: "RUNNING", maxResults: 100, nextToken }),
    );
    const arns = page.taskArns ?? [];
    if (arns.length > 0) {
      const described = await client.send(new DescribeTasksCommand({ cluster, tasks: arns }));
      for (const task of described.tasks ?? []) {
        if (task.group !== group || !task.taskArn) continue;
        await client.send(
          new StopTaskCommand({ cluster, task: task.taskArn, reason: `mcpflow: run ${runId} ended` }),
        );
        stopped.push(task.taskArn);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return stopped;
}
