// The embedded platform's task launcher: servers run as local child processes started per run, so there is
// nothing to register ahead of time. It still refuses what Fargate would refuse (an impossible CPU and memory
// pair), so a version that publishes locally also publishes on AWS.
import { fargateSize } from "./fargate-size.js";
import { runsInContainer, type TaskLauncher } from "./port.js";

export function createLocalTaskLauncher(): TaskLauncher {
  return {
    async register(record) {
      if (runsInContainer(record.runtime)) fargateSize(record.runtime);
      return {};
    },
  };
}
