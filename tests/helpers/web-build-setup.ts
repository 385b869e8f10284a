// vitest globalSetup: builds the web console once before any test file runs when web/ changed since the last
// build, so browser tests and `npm start` children never build it themselves, in parallel, mid-run.
import { buildConsoleIfStale } from "../../local/web-build.js";

export default async function setup(): Promise<void> {
  await buildConsoleIfStale((line) => process.stdout.write(`${line}\n`));
}
