// Task launcher: turns a published server version that runs in a container into something the workflow's Task
// states can start (an ECS task definition on AWS; nothing locally, where servers run as child processes).
import type { Runtime, ServerVersionRecord } from "../registry/schema.js";

export interface TaskLauncher {
  /** Registers what runs `record` (idempotent per version); `{}` when nothing needs registering. */
  register(record: ServerVersionRecord): Promise<{ taskDefinitionArn?: string }>;
  /**
   * Refuses, before the version exists (versions are immutable), a runtime that this launcher cannot run: an
   * UnprocessableError naming the field. Absent when every runtime that passes the schema can run.
   */
  refuseUnrunnable?(runtime: Runtime): void;
}

/**
 * Whether a version runs in a container of its own: stdio servers and servers with an image do; a remote
 * Streamable HTTP URL without an image is called by the remote invoker and needs no task.
 */
export function runsInContainer(runtime: Runtime | undefined): runtime is Runtime {
  if (!runtime) return false;
  return runtime.transport === "stdio" || runtime.image !== undefined;
}
