// Which console paths are files and which are the app's own routes, and how long each may be cached: one rule for
// the embedded platform (local/web-console.ts) and the web stack on AWS (its CloudFront function and uploads).

/** Hashed build output: a new build writes new names, so these never change and are cached for a year. */
export const ASSETS_PREFIX = "/assets/";

/**
 * A path under /assets/ or whose last segment has an extension names a file: a missing one is a 404, so a stale
 * chunk fails loudly instead of parsing index.html as JavaScript. Anything else is a client route such as /runs/abc
 * and is answered with index.html. The CloudFront function embeds this expression's source.
 */
export const FILE_PATH = /^\/assets\/|\.[a-z0-9]{1,5}$/i;

export function isClientRoute(path: string): boolean {
  return !FILE_PATH.test(path);
}

export const CACHE_CONTROL = {
  assets: "public, max-age=31536000, immutable",
  /** index.html, config.json and the other unhashed files: revalidated, so a deploy shows at once. */
  other: "no-cache",
} as const;
