// The console's API client: the generated, typed client the CLI shares (shared/api/client), with the session's
// credential, and problems (RFC 9457) turned into ApiProblem errors that pages show as they are.
import { type ApiClient, createApiClient } from "../../../shared/api/client/index.js";
import type { Session } from "../auth/session.js";

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { field: string; rule: string }[];
  [extra: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `The API answered ${problem.status}`);
    this.name = "ApiProblem";
  }
  get status(): number {
    return this.problem.status;
  }
}

export function clientFor(apiUrl: string, session: Session | undefined): ApiClient {
  return createApiClient({
    baseUrl: apiUrl || window.location.origin,
    ...(session?.kind === "token" ? { token: session.value } : {}),
    ...(session?.kind === "apiKey" ? { apiKey: session.value } : {}),
  });
}

/** The data of an openapi-fetch answer, or an ApiProblem for its error. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as Partial<Problem>;
    throw new ApiProblem({ ...body, status: body.status ?? result.response.status });
  }
  return result.data as T;
}
