// Lambda for /v1/runs: read runs and their steps, cancel them, read their event history.
import { runRoutes } from "../../shared/api/runs.routes.js";
import { createApiHandler } from "../../shared/http/handler.js";
import { Runs } from "../../shared/runs/store.js";

export const handler = createApiHandler(runRoutes, {
  async listRuns({ platform, query }) {
    return { body: await new Runs(platform).list(query) };
  },
  async getRun({ platform, params }) {
    return { body: await new Runs(platform).get(params.id, { steps: true }) };
  },
  async cancelRun({ platform, params }) {
    const runs = new Runs(platform);
    const run = await runs.requireRunning(params.id);
    if (run.executionArn)
      await platform.orchestrator.stop(
        { runId: run.id, executionArn: run.executionArn },
        "cancelled by a caller",
      );
    // The orchestrator records the end once its execution stops; a run it no longer knows is ended here.
    await runs.finish(run.id, {
      status: "CANCELLED",
      error: { error: "Run.Cancelled", cause: "cancelled by a caller" },
    });
    return { body: await runs.get(run.id, { steps: true }) };
  },
  async getRunEvents({ platform, params }) {
    const run = await new Runs(platform).get(params.id);
    const events = run.executionArn
      ? await platform.orchestrator.events({ runId: run.id, executionArn: run.executionArn })
      : [];
    return { body: { events } };
  },
});
