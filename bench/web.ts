// The web console's JavaScript, as a browser loads it: builds web/dist when stale or not a production build, refuses
// a development build (React's jsxDEV in a chunk), then reads Vite's manifest to sum, gzip-compressed, what the first
// page (the dashboard, after sign-in) loads — the entry, its static imports and the dashboard's chunk — and what each
// other page adds. Budget: the first page under 300 KB gzip (issue 13); editors, the graph and Cognito's client are
// lazy chunks. Prints a table and writes bench/results/web.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildConsoleIfStale, CONSOLE_DIST, developmentChunks } from "../local/web-build.js";
import { printTable, writeResult } from "./table.js";

export const FIRST_PAGE_LIMIT_BYTES = 300 * 1024;

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

export interface PageWeight {
  page: string;
  /** gzip bytes of the JavaScript this page loads beyond the entry's. */
  ownGzipBytes: number;
  /** gzip bytes of everything loaded to show it from a cold start (entry included). */
  totalGzipBytes: number;
}

export interface ConsoleWeight {
  entryGzipBytes: number;
  firstPageGzipBytes: number;
  limitBytes: number;
  pages: PageWeight[];
}

function closure(manifest: Manifest, keys: string[], into = new Set<string>()): Set<string> {
  for (const key of keys) {
    if (into.has(key)) continue;
    into.add(key);
    closure(manifest, manifest[key]?.imports ?? [], into);
  }
  return into;
}

/** Measures a built console (web/dist by default); refuses a development build, which weighs nearly twice as much. */
export function measureConsole(dist = CONSOLE_DIST): ConsoleWeight {
  const development = developmentChunks(dist);
  if (development.length)
    throw new Error(
      `${dist} is a development build (React's jsxDEV in ${development.slice(0, 3).join(", ")})`,
    );
  const manifest = JSON.parse(readFileSync(join(dist, ".vite/manifest.json"), "utf8")) as Manifest;
  const gzip = new Map<string, number>();
  const size = (key: string) => {
    const file = manifest[key]!.file;
    if (!gzip.has(file)) gzip.set(file, gzipSync(readFileSync(join(dist, file)), { level: 9 }).length);
    return gzip.get(file)!;
  };
  const sum = (keys: Iterable<string>) => [...keys].reduce((total, key) => total + size(key), 0);
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
  const entry = closure(manifest, [entryKey]);
  const pages = Object.keys(manifest)
    .filter((key) => /src\/pages\/[A-Za-z]+\.tsx$/.test(key))
    .map((key) => {
      const own = [...closure(manifest, [key])].filter((k) => !entry.has(k));
      return {
        page: key.replace(/^.*pages\/|\.tsx$/g, ""),
        ownGzipBytes: sum(own),
        totalGzipBytes: sum(entry) + sum(own),
      };
    })
    .sort((a, b) => a.page.localeCompare(b.page));
  const dashboard = pages.find((page) => page.page === "Dashboard");
  return {
    entryGzipBytes: sum(entry),
    firstPageGzipBytes: dashboard?.totalGzipBytes ?? sum(entry),
    limitBytes: FIRST_PAGE_LIMIT_BYTES,
    pages,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildConsoleIfStale((line) => process.stdout.write(`${line}\n`));
  const weight = measureConsole();
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  printTable(
    ["page", "own gzip KB", "cold load gzip KB"],
    weight.pages.map((page) => [page.page, kb(page.ownGzipBytes), kb(page.totalGzipBytes)]),
  );
  process.stdout.write(
    `\nentry ${kb(weight.entryGzipBytes)} KB gzip; first page (dashboard) ${kb(weight.firstPageGzipBytes)} KB of ${kb(weight.limitBytes)} KB\n`,
  );
  writeResult("web", weight);
  if (weight.firstPageGzipBytes > weight.limitBytes) process.exit(1);
}
