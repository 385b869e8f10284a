// `node --import tsx infra/bundle-cli.ts <entry> <outDir>`: the CDK functions' local bundling step (asset bundling
// runs synchronously, and esbuild plugins need its asynchronous JS API, so bundling runs in a child process).
import { bundleFunction } from "./bundle.js";

const [entry, outDir] = process.argv.slice(2);
if (!entry || !outDir) {
  process.stderr.write("usage: bundle-cli.ts <entry relative to the repository root> <output directory>\n");
  process.exit(2);
}
const result = await bundleFunction(entry, outDir);
if (result.errors.length > 0) process.exit(1);
