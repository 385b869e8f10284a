// Structured JSON logs through Powertools, identical in Lambda and in the embedded platform.
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "mcpflow",
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.MCPFLOW_LOG_LEVEL ?? "INFO") as "INFO",
});
