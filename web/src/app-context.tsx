// What every page needs: the runtime config, the session, the typed client on it, and the caller from /v1/me.
import { createContext, useContext } from "react";
import type { ApiClient } from "../../shared/api/client/index.js";
import type { components } from "../../shared/api/client/schema.js";
import { hasRole, type Role } from "../../shared/identity/roles.js";
import type { Session } from "./auth/session.js";
import type { RuntimeConfig } from "./config.js";

export type Caller = components["schemas"]["Caller"];

export interface AppContext {
  config: RuntimeConfig;
  session: Session;
  client: ApiClient;
  me: Caller;
  signOut(): void;
}

export const App = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const app = useContext(App);
  if (!app) throw new Error("useApp outside the signed-in console");
  return app;
}

/** Whether the caller's role reaches `role`: pages hide what the role cannot do, rather than meet a 403. */
export function useCan(role: Role): boolean {
  return hasRole(useApp().me.role, role);
}
