// The frame of every page: without a session it is the sign-in page (at whatever URL was opened, so a shared
// link lands where it pointed once signed in); with one it asks /v1/me who the caller is and lays out the page.
import { useQuery } from "@tanstack/react-query";
import { Outlet, useRouteContext } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { ApiProblem, clientFor, unwrap } from "../api/client.js";
import { App, type AppContext } from "../app-context.js";
import { SignIn } from "../auth/SignIn.js";
import { clearSession, readSession, type Session, saveSession } from "../auth/session.js";
import { Layout } from "./Layout.js";

export function Shell() {
  const { config, queryClient, signInNotice } = useRouteContext({ from: "__root__" });
  const [session, setSession] = useState<Session | undefined>(() => readSession());
  const client = useMemo(() => clientFor(config.apiUrl, session), [config.apiUrl, session]);
  const me = useQuery({
    queryKey: ["me", session?.value],
    enabled: session !== undefined,
    queryFn: async () => unwrap(await client.GET("/v1/me")),
    staleTime: 60_000,
  });

  const signOut = () => {
    clearSession();
    queryClient.clear();
    setSession(undefined);
    if (config.auth.kind === "cognito" && session?.source === "cognito") {
      const auth = config.auth;
      void import("../auth/cognito.js").then(({ cognitoSignOutUrl }) => {
        window.location.assign(cognitoSignOutUrl(auth));
      });
    }
  };

  if (!session || (me.error instanceof ApiProblem && me.error.status === 401)) {
    const expired = session !== undefined;
    return (
      <SignIn
        config={config}
        notice={expired ? "Your session has expired or was refused; sign in again." : signInNotice}
        onSignedIn={(next) => {
          saveSession(next);
          queryClient.clear();
          setSession(next);
        }}
      />
    );
  }
  if (me.isPending) {
    return (
      <p className="page" aria-live="polite">
        Loading…
      </p>
    );
  }
  if (me.error) {
    return (
      <main className="page">
        <h1>mcpflow</h1>
        <p role="alert">The API could not be reached: {me.error.message}</p>
        <button type="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  const app: AppContext = { config, session, client, me: me.data, signOut };
  return (
    <App.Provider value={app}>
      <Layout>
        <Outlet />
      </Layout>
    </App.Provider>
  );
}
