// The runtime policy's request and answer schemas (zod): apart from the policy's rules (runtime-policy.ts), so that
// the functions that only check a policy (workflows, runs, the invokers) do not carry the schemas' code
// (decision 0003's bundle budget).
import * as z from "../zod.js";

const SEGMENT_WILDCARD = "must be exact, or end in `/*` (every name under that path); no other `*`";
const patternOk = (value: string) =>
  !value.slice(0, -2).includes("*") && (value === "*" || !value.includes("*") || value.endsWith("/*"));

const CommandRule = z.strictObject({
  command: z.string().check(
    z.minLength(1),
    z.maxLength(1024),
    z.refine((v) => !v.includes("*"), "must be exact, without `*`"),
  ),
  args: z.optional(z.array(z.string().check(z.maxLength(4096))).check(z.maxLength(64))).check(
    z.meta({
      description:
        "the arguments the runtime must start with, in order; left out, any arguments (the command then runs whatever it is told)",
    }),
  ),
});

const PackageRule = z.strictObject({
  registryType: z.enum(["npm", "pypi", "oci"]),
  identifier: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(255),
      z.refine(patternOk, SEGMENT_WILDCARD),
      z.meta({ examples: ["@modelcontextprotocol/server-everything", "@modelcontextprotocol/*", "*"] }),
    ),
  registryBaseUrl: z.optional(z.url({ protocol: /^https$/, error: "must be an https URL" })),
});

const ImageRule = z.string().check(
  z.minLength(1),
  z.maxLength(512),
  z.refine((v) => !/\s/.test(v), "must not contain spaces"),
  z.refine((v) => v !== "*" && patternOk(v), SEGMENT_WILDCARD),
  z.meta({ examples: ["ghcr.io/acme/mcp-github", "ghcr.io/acme/*", "ghcr.io/acme/mcp-github:1.4.0"] }),
);

const HostRule = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(
      /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/,
      "must be a lowercase host name (optionally `*.` for its subdomains) or a bracketed IPv6 address",
    ),
    z.meta({ examples: ["mcp.example.com", "*.example.com"] }),
  );

export const RuntimePolicyRules = z.strictObject({
  commands: z._default(z.array(CommandRule).check(z.maxLength(200)), []),
  packages: z._default(z.array(PackageRule).check(z.maxLength(200)), []),
  images: z._default(z.array(ImageRule).check(z.maxLength(200)), []),
  hosts: z._default(z.array(HostRule).check(z.maxLength(200)), []),
});

export const RuntimePolicy = z.object({
  ...RuntimePolicyRules.shape,
  revision: z.number().check(z.int()),
  updatedAt: z.optional(z.string()),
  updatedBy: z.optional(z.string()),
});

export type RuntimePolicyRules = z.infer<typeof RuntimePolicyRules>;
export type RuntimePolicy = z.infer<typeof RuntimePolicy>;
