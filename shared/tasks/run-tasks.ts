// What a run started on ECS (decision 0008): its server tasks, which "Start servers" starts in the task group
// `mcpflow-run:<run id>` (RunTask's Group; Step Functions passes no StartedBy of ours to RunTask), found among the
// cluster's tasks. run-status reads how long they ran (the run's cost) and stops them once the run has ended, however
// it ended (StopTask: ECS sends SIGTERM; the host closes its server and exits).
import type { DesiredStatus, ECSClient, Task } from "@aws-sdk/client-ecs";

/** The prefix of a run's task group; the compiler writes `<prefix><run id>` into every RunTask it emits. */
export const RUN_TASK_GROUP_PREFIX = "mcpflow-run:";

export function runTaskGroup(runId: string): string {
  return `${RUN_TASK_GROUP_PREFIX}${runId}`;
}

/** The SDK package, imported at the first call: see shared/aws/lazy-client.ts. */
const ecs = () => import("@aws-sdk/client-ecs");

/** ListTasks pages (100 tasks each) read per desired status before giving up: 2,000 tasks of a busy cluster. */
export const MAX_TASK_PAGES = 20;

/**
 * The run's tasks among the cluster's tasks of one desired status. ListTasks cannot filter by group, so this reads
 * them 100 per ListTasks and DescribeTasks pair, at most MAX_TASK_PAGES pages; `complete` is false past that bound.
 */
export async function runTasksOf(
  client: Pick<ECSClient, "send">,
  cluster: string,
  runId: string,
  desiredStatus: DesiredStatus,
  maxPages = MAX_TASK_PAGES,
): Promise<{ tasks: Task[]; complete: boolean }> {
  const { DescribeTasksCommand, ListTasksCommand } = await ecs();
  const group = runTaskGroup(runId);
  const tasks: Task[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const listed = await client.send(
      new ListTasksCommand({ cluster, desiredStatus, maxResults: 100, nextToken }),
    );
    const arns = listed.taskArns ?? [];
    if (arns.length > 0) {
      const described = await client.send(new DescribeTasksCommand({ cluster, tasks: arns }));
      tasks.push(...(described.tasks ?? []).filter((task) => task.group === group && task.taskArn));
    }
    nextToken = listed.nextToken;
    if (!nextToken) return { tasks, complete: true };
  }
  return { tasks, complete: false };
}

/** Stops every running task of the run; answers the task ARNs it stopped (none on a replay). */
export async function stopRunTasks(
  client: Pick<ECSClient, "send">,
  cluster: string,
  runId: string,
): Promise<string[]> {
  const { StopTaskCommand } = await ecs();
  // Unbounded here: a task left running would bill until its idle limit.
  const { tasks } = await runTasksOf(client, cluster, runId, "RUNNING", Number.POSITIVE_INFINITY);
  const stopped: string[] = [];
  for (const task of tasks) {
    await client.send(
      new StopTaskCommand({ cluster, task: task.taskArn!, reason: `mcpflow: run ${runId} ended` }),
    );
    stopped.push(task.taskArn!);
  }
  return stopped;
}
