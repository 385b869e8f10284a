// A run's usage and cost, worked out once when it ends (endRun, shared/runs/lifecycle.ts): the facts the run's
// records give, what its host counted, the model (usage.ts) and the configured region's list prices (prices.ts).
import { createRegistry } from "../compose.js";
import { logger } from "../log.js";
import type { Platform } from "../platform.js";
import type { StepRecord } from "../runs/schema.js";
import { estimateCost } from "./estimate.js";
import { pricesFor } from "./prices.js";
import type { RunCost, RunUsage } from "./schema.js";
import { type MeasuredUsage, runUsage } from "./usage.js";

export interface RunSpend {
  usage: RunUsage;
  /** Left out when the configured region has no price table: the run ends all the same. */
  cost?: RunCost;
}

export async function spendOf(
  platform: Platform,
  run: {
    startedAt: string;
    endedAt: Date;
    /** The servers the run's workflow pins (`name@version`): each starts as one task unless remote. */
    servers: string[];
    /** The step records when the run ended. */
    steps: StepRecord[];
    toolCall: boolean;
    measured?: MeasuredUsage;
  },
  /** Where the run ran: on the embedded platform its cost is what it would cost on AWS. */
  mode: Platform["mode"],
): Promise<RunSpend> {
  const usage = runUsage({
    startedAt: run.startedAt,
    endedAt: run.endedAt.toISOString(),
    calls: run.steps.flatMap((step) =>
      (step.items ?? [step]).filter((call) => call.attempts > 0).map(callOf),
    ),
    taskServers: run.toolCall ? 0 : await serversNeedingTasks(platform, run.servers),
    toolCall: run.toolCall,
    measured: run.measured ?? {},
  });
  try {
    const estimate = estimateCost(usage, pricesFor());
    return {
      usage,
      cost: {
        usd: Math.round(estimate.usd * 1e9) / 1e9,
        currency: "USD",
        region: estimate.region,
        pricesAsOf: estimate.pricesAsOf,
        // On AWS a run is measured once something was counted (run-status reads the execution's history and the
        // tasks' times); a run a cancel ended before its execution stopped keeps the model's figures.
        estimated: mode === "local" || usage.measured.length === 0,
      },
    };
  } catch (error) {
    logger.warn("the run's cost is left out", {
      error: error instanceof Error ? error.message : String(error),
    });
    return { usage };
  }
}

function callOf(call: { attempts: number; startedAt?: string; endedAt?: string }) {
  const seconds =
    call.startedAt && call.endedAt ? (Date.parse(call.endedAt) - Date.parse(call.startedAt)) / 1000 : 0;
  return { attempts: call.attempts, seconds: Math.max(0, seconds) };
}

/** Remote servers (Streamable HTTP at a URL, no image) are called over HTTP; every other server is a task. */
async function serversNeedingTasks(platform: Platform, servers: string[]): Promise<number> {
  const registry = createRegistry(platform);
  const remote = await Promise.all(
    [...new Set(servers)].map(async (pinned) => {
      const at = pinned.lastIndexOf("@");
      try {
        const { runtime } = await registry.getVersion(pinned.slice(0, at), pinned.slice(at + 1));
        return runtime?.transport === "streamable-http" && !!runtime.url && !runtime.image;
      } catch {
        // A version deleted since: priced as a task, the costlier case.
        return false;
      }
    }),
  );
  return remote.filter((isRemote) => !isRemote).length;
}
