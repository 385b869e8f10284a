// The console's entry: read the runtime config, then render the router inside the query client.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProblem } from "./api/client.js";
import { completePendingSignIn } from "./auth/pending-sign-in.js";
import { loadRuntimeConfig } from "./config.js";
import { createConsoleRouter } from "./router.js";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A problem the API answered (404, 403, 400) will answer the same again; a network failure may not.
      retry: (count, error) => !(error instanceof ApiProblem) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const root = createRoot(document.getElementById("root")!);
try {
  const config = await loadRuntimeConfig();
  const signInNotice = await completePendingSignIn(config);
  const router = createConsoleRouter({ config, queryClient, signInNotice });
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main className="page">
      <h1>mcpflow console</h1>
      <p role="alert">The console could not read its configuration: {String(error)}</p>
    </main>,
  );
}
