// The ECS task-definition family of a server version, on its own so the task launcher (in every Lambda's AWS
// platform) does not pull the workflow service, its compiler and the YAML parser into every bundle.

/**
 * The Fargate task definition family a server version runs as; the task launcher registers it on publish.
 * It starts with `mcpflow-<stage>-` because the state machine role's ecs:RunTask is scoped to that prefix.
 */
export function taskFamily(
  name: string,
  version: string,
  stage = process.env.MCPFLOW_STAGE ?? "local",
): string {
  const clean = (value: string) => value.replace(/[^A-Za-z0-9-]/g, "-");
  return `mcpflow-${clean(stage)}-${clean(name)}-${clean(version)}`.slice(0, 255);
}
