// Roles are ordered: each one can do everything the ones before it can.
import * as z from "../zod.js";

export const Role = z.enum(["viewer", "operator", "editor", "admin"]);
export type Role = z.infer<typeof Role>;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, editor: 2, admin: 3 };

export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

/** The strongest role among Cognito groups; a caller with none of ours gets no role at all. */
export function roleFromGroups(groups: readonly string[]): Role | undefined {
  let best: Role | undefined;
  for (const group of groups) {
    const parsed = Role.safeParse(group);
    if (parsed.success && (best === undefined || RANK[parsed.data] > RANK[best])) best = parsed.data;
  }
  return best;
}

export const Caller = z.object({
  id: z.string(),
  kind: z.enum(["user", "api-key"]),
  name: z.string(),
  role: Role,
});
export type Caller = z.infer<typeof Caller>;
