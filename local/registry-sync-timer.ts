// The embedded platform's registry sync schedule (MCPFLOW_REGISTRY_SYNC_MINUTES, off when unset): every interval,
// one bounded sync of every source (shared/registry/upstream-sync.ts). The next tick is set when a run ends, so runs
// never overlap; stop() clears the timer and stops a run in progress between items, before the store closes.
import { createRegistry } from "../shared/compose.js";
import { logger } from "../shared/log.js";
import type { Platform } from "../shared/platform.js";
import { syncAllSources } from "../shared/registry/upstream-sync.js";
import { StartupError } from "./home-lock.js";

export interface RegistrySyncTimer {
  stop(): Promise<void>;
}

/** The interval from the environment: whole minutes, 0 or unset for none. */
export function registrySyncIntervalMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.MCPFLOW_REGISTRY_SYNC_MINUTES?.trim();
  if (!value || value === "0") return undefined;
  if (!/^\d{1,6}$/.test(value)) {
    throw new StartupError(
      `MCPFLOW_REGISTRY_SYNC_MINUTES must be a whole number of minutes (0 for none), not "${value}"`,
    );
  }
  return Number(value) * 60_000;
}

export function startRegistrySyncTimer(platform: Platform, intervalMs: number): RegistrySyncTimer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const controller = new AbortController();
  const tick = () => {
    running = syncAllSources({ platform, registry: createRegistry(platform) }, { signal: controller.signal })
      .then(() => undefined)
      .catch((error: unknown) => logger.error("scheduled registry sync failed", { error }))
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  schedule();
  logger.info("registry sync scheduled", { everyMs: intervalMs });
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort(new Error("The platform is stopping."));
      await running;
    },
  };
}
