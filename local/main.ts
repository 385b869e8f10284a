// `npm start`: the embedded platform in the foreground, until SIGINT or SIGTERM.
import { logger } from "../shared/http/logger.js";
import { startLocalPlatform } from "./platform.js";

const platform = await startLocalPlatform();
logger.info("mcpflow is running", { url: platform.url, home: platform.home });
process.stdout.write(
  `\n  mcpflow local platform: ${platform.url}\n  data: ${platform.home}\n` +
    `  admin token (also in ${platform.home}/dev-token):\n\n  ${platform.adminToken}\n\n` +
    `  try: curl -H "Authorization: Bearer $(cat ${platform.home}/dev-token)" ${platform.url}/v1/me\n\n`,
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  });
}
