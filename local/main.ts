// `npm start`: the embedded platform in the foreground, until SIGINT or SIGTERM. Run by node itself
// (`node --import tsx`), not by a launcher that relays signals: tsx's kills its child 30 ms after relaying one.
import { logger } from "../shared/log.js";
import { StartupError } from "./home-lock.js";
import { type LocalPlatform, startLocalPlatform } from "./platform.js";
import { buildConsoleInChildIfStale } from "./web-build.js";

/** A stop that has not finished by then exits anyway: whoever sent SIGTERM will not wait much longer. */
const STOP_DEADLINE_MS = 9_500;

// On Node 20 the AWS SDK warns at its first client that its releases after January 2027 need Node 22. The README
// says so once (its Node paragraph); the embedded platform talks to its own store, so it does not repeat it at
// every start. The SDK's documented switch, set only here and only if the user has not set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

try {
  await buildConsoleInChildIfStale((line) => process.stdout.write(`  ${line}\n`));
} catch (error) {
  // The API works without its console; say why the console is missing rather than refuse to start.
  process.stderr.write(`mcpflow: the web console could not be built: ${(error as Error).message}\n`);
}

let platform: LocalPlatform;
try {
  platform = await startLocalPlatform();
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  process.stderr.write(`mcpflow: ${error.message}\n`);
  process.exit(1);
}
logger.info("mcpflow is running", { url: platform.url, home: platform.home });
const signInLink = await platform.signInLink();
process.stdout.write(
  `\n  mcpflow local platform: ${platform.url}\n  data: ${platform.home}\n` +
    `  console: open this link to sign in (it works once, for 10 minutes; restart for a new one):\n\n  ${signInLink}\n\n` +
    `  admin token (also in ${platform.home}/dev-token):\n\n  ${platform.adminToken}\n\n` +
    `  This terminal stays with the platform (Ctrl-C stops it). In another one:\n` +
    `  curl -H "Authorization: Bearer $(cat ${platform.home}/dev-token)" ${platform.url}/v1/me\n\n`,
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    process.stdout.write(`  mcpflow stopping (${signal})\n`);
    setTimeout(() => {
      logger.error("stop did not finish in time; exiting", { ms: STOP_DEADLINE_MS });
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  });
}
