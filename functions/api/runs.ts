// Lambda for /v1/runs: read runs and their steps, cancel them, read their event history.
import { runRoutes } from "../../shared/api/runs.routes.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { cancelRun } from "../../shared/runs/lifecycle.js";
import { Runs } from "../../shared/runs/store.js";

export const handler = createApiHandler(runRoutes, {
  async listRuns({ platform, query }) {
    return { body: await new Runs(platform).list(query) };
  },
  async getRun({ platform, params }) {
    return { body: await new Runs(platform).get(params.id, { steps: true }) };
  },
  async cancelRun({ platform, params }) {
    return { body: await cancelRun(platform, params.id) };
  },
  async getRunEvents({ platform, params }) {
    const run = await new Runs(platform).get(params.id);
    const events = run.executionArn
      ? await platform.orchestrator.events({ runId: run.id, executionArn: run.executionArn })
      : [];
    return { body: { events } };
  },
});
