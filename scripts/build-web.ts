// `npm run build:web` (and `prepare`, which `npm install` and `npm ci` run): builds the web console into
// web/dist when its sources changed since the last build. `npm start` does the same before it serves.
import { buildConsoleIfStale } from "../local/web-build.js";

const built = await buildConsoleIfStale((line) => process.stdout.write(`${line}\n`));
if (!built) process.stdout.write("the web console is up to date (web/dist)\n");
