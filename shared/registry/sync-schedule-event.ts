// What the registry sync schedule invokes the registry sync function with on AWS: an EventBridge rule's constant input
// (infra/stacks/api-stack.ts), told apart from API Gateway's events (functions/api/registry-sync.ts). Alone in its
// file so the CDK app reads it without the registry's code.
export const SCHEDULED_SYNC_EVENT = { mcpflow: "registry-sync" } as const;

export function isScheduledSyncEvent(event: unknown): boolean {
  return (
    typeof event === "object" &&
    event !== null &&
    (event as Record<string, unknown>).mcpflow === SCHEDULED_SYNC_EVENT.mcpflow &&
    !("httpMethod" in event)
  );
}
