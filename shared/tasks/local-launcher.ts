// The embedded platform's task launcher: servers run as local child processes started per run, so there is
// nothing to register ahead of time.
import type { TaskLauncher } from "./port.js";

export function createLocalTaskLauncher(): TaskLauncher {
  return {
    async register() {
      return {};
    },
  };
}
