// esbuild bundling of one Lambda entry, shared by the CDK functions (through infra/bundle-cli.ts, as local
// bundling) and by bench/bundles.ts, so the benchmark measures exactly what is deployed.
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type BuildOptions, type BuildResult, build, type Plugin } from "esbuild";
import { repoRoot } from "./paths.js";

/** The Node major the bundles target; keep in step with LAMBDA_RUNTIME in constructs/mcpflow-function.ts. */
export const BUNDLE_TARGET = "node24";

/** Left to the Lambda runtime's own AWS SDK v3. */
export const BUNDLE_EXTERNAL = ["@aws-sdk/*"] as const;

/** Gives ESM bundles a `require` for CommonJS dependencies that require Node built-ins. */
const REQUIRE_BANNER =
  "import{createRequire as __mcpflowCreateRequire}from'node:module';const require=__mcpflowCreateRequire(import.meta.url);";

/**
 * zod 4 re-exports every locale (`export * as locales from "../locales/index.js"`, in classic and in core), about
 * 260 KB minified, although only English is ever used (classic/schemas.js imports `en.js` itself as the default).
 * The barrel is replaced by one that exports `en` only; `z.locales.en` keeps working, other locales are gone.
 */
export function zodEnglishOnly(): Plugin {
  const zodRoot = dirname(createRequire(join(repoRoot, "package.json")).resolve("zod/package.json"));
  const localesDir = join(zodRoot, "v4", "locales");
  return {
    name: "zod-english-only",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
        if (!args.importer.startsWith(`${zodRoot}/`)) return undefined;
        return { path: join(localesDir, "index.js"), namespace: "zod-english-only" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({
        contents: `export { default as en } from ${JSON.stringify(join(localesDir, "en.js"))};\n`,
        resolveDir: localesDir,
        loader: "js",
      }));
    },
  };
}

const META_ENTRY = "functions/api/meta.ts";
const OPENAPI_MODULE = /shared\/api\/openapi\.js$/;

/**
 * The meta function serves an OpenAPI document written next to its bundle (see bundleFunction), so the generator,
 * with every area's route contracts, stays out of the bundle; the stub only runs if that file were missing.
 */
function prebuiltOpenApi(): Plugin {
  return {
    name: "prebuilt-openapi",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: OPENAPI_MODULE }, (args) =>
        args.importer === join(repoRoot, META_ENTRY)
          ? { path: "openapi", namespace: "prebuilt-openapi" }
          : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: "prebuilt-openapi" }, () => ({
        contents:
          'export function openApiDocument() { throw new Error("openapi.json is missing from the bundle"); }\n',
        loader: "js",
      }));
    },
  };
}

/** The build options of one entry; `outfile` is `<outDir>/index.mjs` (the handler is `index.handler`). */
export function bundleOptions(entry: string, outDir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [join(repoRoot, entry)],
    absWorkingDir: repoRoot,
    outfile: join(outDir, "index.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLE_TARGET,
    mainFields: ["module", "main"],
    minify: true,
    // Licence texts go to index.mjs.LEGAL.txt beside the bundle, not into the code every cold start parses.
    legalComments: "linked",
    sourcemap: "linked",
    sourcesContent: false,
    external: [...BUNDLE_EXTERNAL],
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: "warning",
    plugins: [zodEnglishOnly(), ...(entry === META_ENTRY ? [prebuiltOpenApi()] : [])],
  };
}

/**
 * Bundles `entry` (relative to the repository root) into `outDir`. With `write: false` nothing is written and
 * the output files come back in memory (the benchmark only measures them).
 */
export async function bundleFunction(
  entry: string,
  outDir: string,
  options: { write?: boolean } = {},
): Promise<BuildResult<BuildOptions & { metafile: true }>> {
  const write = options.write ?? true;
  const result = await build({ ...bundleOptions(entry, outDir), write });
  if (write && entry === META_ENTRY) {
    const { openApiDocument } = await import("../shared/api/openapi.js");
    await writeFile(join(outDir, "openapi.json"), JSON.stringify(openApiDocument()));
  }
  return result;
}
