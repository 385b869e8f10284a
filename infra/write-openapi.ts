// `node --import tsx infra/write-openapi.ts <dir>`: writes the OpenAPI document as <dir>/openapi.json. The meta
// function's bundling runs it after esbuild, so the deployed function serves a prebuilt document.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openApiDocument } from "../shared/api/openapi.js";

const [outDir] = process.argv.slice(2);
if (!outDir) {
  process.stderr.write("usage: write-openapi.ts <output directory>\n");
  process.exit(2);
}
writeFileSync(join(outDir, "openapi.json"), JSON.stringify(openApiDocument()));
