// Structured JSON logs through Powertools, identical in Lambda and in the embedded platform, for every part of
// mcpflow (the HTTP edge, the engine, search, the invoker): logging is not an HTTP concern.
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "mcpflow",
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.MCPFLOW_LOG_LEVEL ?? "INFO") as "INFO",
});
