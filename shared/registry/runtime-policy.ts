// The admin's runtime allow-list: commands, packages, images and hosts whose runtimes may run without a per-version
// approval. Matching is exact or by whole segments (`@scope/*`, `ghcr.io/acme/*`, `*.example.com`), never by string
// prefix, so `npx` does not cover `npx-evil` and `example.com` does not cover `example.com.evil.net`.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError } from "../errors.js";
import type { Caller } from "../identity/roles.js";
import { isConditionalCheckFailed, type Table } from "../store/table.js";
import { changingRunFacts } from "./run-facts-memo.js";
import type { RuntimeSubject } from "./runtime-digest.js";
import type { RuntimePolicy, RuntimePolicyRules } from "./runtime-policy-schema.js";

export type { RuntimePolicy, RuntimePolicyRules };

export const POLICY_KEY = { pk: "RUNTIME_POLICY", sk: "CURRENT" };

const EMPTY: RuntimePolicy = { commands: [], packages: [], images: [], hosts: [], revision: 0 };

export async function getRuntimePolicy(table: Table): Promise<RuntimePolicy> {
  const result = await table.doc.send(new GetCommand({ TableName: table.name, Key: POLICY_KEY }));
  return policyOf(result.Item);
}

/** The policy its item holds; none stored is the empty policy. */
export function policyOf(item: Record<string, unknown> | undefined): RuntimePolicy {
  if (!item) return EMPTY;
  const { pk: _pk, sk: _sk, ...policy } = item;
  return policy as RuntimePolicy;
}

/**
 * How long a process may show a policy it read (in the `execution` of gets and lists): a change made through
 * another process (another Lambda container) shows there within this; one made here shows at once. The checks
 * that let something run (assertMayRun) always read the policy itself.
 */
export const DISPLAYED_POLICY_MS = 5_000;

const displayed = new WeakMap<Table, { policy: RuntimePolicy; at: number }>();

/** The policy as gets and lists show it: read at most every DISPLAYED_POLICY_MS per process. */
export async function displayedRuntimePolicy(table: Table, now = Date.now()): Promise<RuntimePolicy> {
  const kept = displayed.get(table);
  if (kept && now - kept.at < DISPLAYED_POLICY_MS) return kept.policy;
  const policy = await getRuntimePolicy(table);
  displayed.set(table, { policy, at: now });
  return policy;
}

/** Replaces the whole policy; a concurrent change in between is refused rather than silently overwritten. */
export async function putRuntimePolicy(
  table: Table,
  rules: RuntimePolicyRules,
  caller: Caller,
  now: Date = new Date(),
): Promise<RuntimePolicy> {
  const current = await getRuntimePolicy(table);
  const next: RuntimePolicy = {
    ...rules,
    revision: current.revision + 1,
    updatedAt: now.toISOString(),
    updatedBy: caller.id,
  };
  try {
    await changingRunFacts(table, () =>
      table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: { ...POLICY_KEY, ...next },
          ConditionExpression: current.revision === 0 ? "attribute_not_exists(pk)" : "revision = :revision",
          ...(current.revision === 0 ? {} : { ExpressionAttributeValues: { ":revision": current.revision } }),
        }),
      ),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error))
      throw new ConflictError("The runtime policy changed meanwhile; read it and try again.");
    throw error;
  }
  displayed.set(table, { policy: next, at: Date.now() });
  return next;
}

/** The hosts an admin allowed (for the outbound guard: a named host may resolve to an address it would refuse). */
export async function runtimeAllowedHosts(table: Table): Promise<string[]> {
  return (await getRuntimePolicy(table)).hosts;
}

/**
 * Environment variables that change what an interpreter or package manager loads (NODE_OPTIONS=--import=…,
 * LD_PRELOAD, PYTHONPATH, a package index…). An allow-listed command with one of these set is no longer the code the
 * admin allowed, so such a runtime needs an approval of its own.
 */
const LOADER_ENV =
  /^(NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|LD_[A-Z_]+|DYLD_[A-Z_]+|PYTHON[A-Z_]*|PERL5?[A-Z_]*|RUBY[A-Z_]*|BASH_ENV|ENV|SHELLOPTS|PS4|PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|NPM_CONFIG_[A-Z0-9_]+|YARN_[A-Z0-9_]+|UV_[A-Z0-9_]+|PIP_[A-Z0-9_]+|GIT_[A-Z0-9_]+|HOME|TMPDIR)$/i;

export type PolicyMatch = { matched: true; rule: string } | { matched: false; reason: string };

/** PEP 503: PyPI names compare lowercased, with runs of `-`, `_` and `.` as one `-`. */
function normalisedPackage(registryType: string, identifier: string): string {
  return registryType === "pypi" ? identifier.toLowerCase().replace(/[-_.]+/g, "-") : identifier;
}

/** `*` (everything), `a/b/*` (every name below `a/b/`), or the exact name. */
function matchesName(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("/*")) {
    const base = pattern.slice(0, -1);
    return name.startsWith(base) && name.length > base.length;
  }
  return pattern === name;
}

/** `ghcr.io/acme/srv:1.2@sha256:…` → repository `ghcr.io/acme/srv`; a registry port (`host:5000/x`) is kept. */
function imageRepository(image: string): string {
  const withoutDigest = image.split("@")[0]!;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

function matchesImage(pattern: string, image: string): boolean {
  // A rule with a tag or digest names that image exactly; a rule without one names a repository (any tag).
  if (pattern.includes("@") || imageRepository(pattern) !== pattern) return pattern === image;
  if (pattern.endsWith("/*")) return matchesName(pattern, imageRepository(image));
  return pattern === imageRepository(image);
}

function matchesHost(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/**
 * Whether the policy covers a runtime, and by which rule; else why not. Pure, so every case is a unit test. A runtime
 * is covered only when everything that executes is: the image, or the package, or the command and its leading
 * arguments, or the https host it calls.
 */
export function matchRuntimePolicy(policy: RuntimePolicyRules, subject: RuntimeSubject): PolicyMatch {
  const { runtime } = subject;
  const startsProcess = runtime.transport === "stdio" || runtime.image !== undefined;
  if (startsProcess) {
    const loader = Object.keys(runtime.env ?? {}).find((name) => LOADER_ENV.test(name));
    if (loader) {
      return {
        matched: false,
        reason: `env ${loader} changes what the process loads; an admin approves it explicitly`,
      };
    }
  }
  const pkg = subject.package;
  if (pkg && pkg.version !== undefined) {
    const index = policy.packages.findIndex(
      (rule) =>
        rule.registryType === pkg.registryType &&
        (rule.registryBaseUrl ?? "") === (pkg.registryBaseUrl ?? "") &&
        matchesName(
          normalisedPackage(rule.registryType, rule.identifier),
          normalisedPackage(pkg.registryType, pkg.identifier),
        ),
    );
    if (index >= 0) return { matched: true, rule: `packages[${index}]` };
  }
  if (runtime.image !== undefined) {
    const image = runtime.image;
    const index = policy.images.findIndex((rule) => matchesImage(rule, image));
    if (index >= 0) return { matched: true, rule: `images[${index}]` };
    return { matched: false, reason: `image ${image} is in no allow-list rule (images, packages)` };
  }
  if (runtime.transport === "stdio") {
    const args = runtime.args ?? [];
    const index = policy.commands.findIndex(
      (rule) =>
        rule.command === runtime.command &&
        (rule.args === undefined || rule.args.every((arg, i) => args[i] === arg)),
    );
    if (index >= 0) return { matched: true, rule: `commands[${index}]` };
    return {
      matched: false,
      reason: pkg
        ? `package ${pkg.registryType}:${pkg.identifier}${pkg.version ? `@${pkg.version}` : " (no version: it would run whatever is newest)"} is in no allow-list rule`
        : `command ${runtime.command ?? "(none)"} with these arguments is in no allow-list rule (commands)`,
    };
  }
  let url: URL;
  try {
    url = new URL(runtime.url ?? "");
  } catch {
    return { matched: false, reason: "the runtime has no URL to match" };
  }
  if (url.protocol !== "https:") return { matched: false, reason: "hosts rules cover https URLs only" };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const index = policy.hosts.findIndex((rule) => matchesHost(rule, host));
  if (index >= 0) return { matched: true, rule: `hosts[${index}]` };
  return { matched: false, reason: `host ${host} is in no allow-list rule (hosts)` };
}
