// CDK assertions on the console's hosting: the web stack (a private bucket behind CloudFront with origin access
// control, the security headers and CSP npm start sends, client routes answered with index.html) and the
// web-content stack (the built console and a /config.json the console's Cognito client can read), with Cognito's
// callback URLs and the API's CORS on the CloudFront address. Nothing here reaches AWS: synth, assertions, cdk-nag.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { McpflowApp } from "../../infra/app.js";
import { consoleConnectSources, spaRewriteCode } from "../../infra/stacks/web-stack.js";
import { isClientRoute } from "../../shared/web/console-paths.js";
import { consoleContentSecurityPolicy, consoleSecurityHeaders } from "../../shared/web/security-headers.js";
import { RuntimeConfig } from "../../web/src/runtime-config.js";
import { synthApp, TEST_RUNNER_IMAGE, unacknowledgedFindings } from "./support.js";

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let built: McpflowApp;
let web: Template;
let content: Template;
let auth: Template;
let api: Template;

beforeAll(() => {
  built = synthApp({
    stage: "test",
    runnerImage: TEST_RUNNER_IMAGE,
    webOrigin: "https://mcpflow.example.com",
  });
  web = Template.fromStack(built.web);
  content = Template.fromStack(built.webContent);
  auth = Template.fromStack(built.auth);
  api = Template.fromStack(built.api);
  // One synth of the whole app (esbuild bundles every Lambda, cdk-nag runs); allow for a loaded machine.
}, 300_000);

const only = (template: Template, type: string) => {
  const found = Object.values(template.findResources(type) as Resources);
  expect(found, type).toHaveLength(1);
  return found[0]!.Properties;
};

/** The distribution's address as the web stack exports it, seen from another stack. */
const CONSOLE_DOMAIN = {
  "Fn::ImportValue": expect.stringMatching(/^mcpflow-test-web:.*Distribution.*DomainName/),
};

describe("the web stack", () => {
  it("keeps the console in a private, encrypted, TLS-only bucket readable only by this distribution", () => {
    web.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: {
        "Fn::Join": ["", ["mcpflow-test-console-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }]],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: "site/" }),
    });
    const policies = Object.values(web.findResources("AWS::S3::BucketPolicy") as Resources);
    const site = policies.find((p) => JSON.stringify(p.Properties.Bucket).includes("Site"))!;
    const statements = site.Properties.PolicyDocument.Statement as Record<string, any>[];
    // A deny of plain HTTP, and one allow: GetObject for CloudFront, signed for this distribution only.
    expect(statements.find((s) => s.Effect === "Deny")).toMatchObject({
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    const allows = statements.filter((s) => s.Effect === "Allow");
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Action: "s3:GetObject",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Condition: {
        StringEquals: {
          "AWS:SourceArn": {
            "Fn::Join": [
              "",
              expect.arrayContaining([":distribution/", { Ref: expect.stringMatching(/^Distribution/) }]),
            ],
          },
        },
      },
    });
  });

  it("reads the bucket through origin access control (sigv4, always), not an origin access identity", () => {
    expect(only(web, "AWS::CloudFront::OriginAccessControl").OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
    expect(web.findResources("AWS::CloudFront::CloudFrontOriginAccessIdentity")).toEqual({});
    const config = only(web, "AWS::CloudFront::Distribution").DistributionConfig;
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]).toMatchObject({
      OriginAccessControlId: { "Fn::GetAtt": [expect.stringMatching(/OriginAccessControl/), "Id"] },
      S3OriginConfig: { OriginAccessIdentity: "" },
    });
    expect(config).toMatchObject({
      DefaultRootObject: "index.html",
      Logging: expect.objectContaining({ Prefix: "cloudfront/" }),
      DefaultCacheBehavior: expect.objectContaining({
        ViewerProtocolPolicy: "redirect-to-https",
        AllowedMethods: ["GET", "HEAD"],
        Compress: true,
      }),
    });
  });

  it("sends the security headers and the CSP npm start sends, with the API and Cognito as connect sources", () => {
    const policy = only(web, "AWS::CloudFront::ResponseHeadersPolicy").ResponseHeadersPolicyConfig;
    const local = consoleSecurityHeaders({ connectSrc: [] });
    const security = policy.SecurityHeadersConfig;
    // The same policy as npm start's (shared/web/security-headers.ts), the connect sources of AWS added.
    expect(security.ContentSecurityPolicy).toEqual({
      ContentSecurityPolicy: built.web.resolve(
        consoleContentSecurityPolicy({ connectSrc: consoleConnectSources(built.config) }),
      ),
      Override: true,
    });
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of local["content-security-policy"]!.split("; ")) {
      if (!directive.startsWith("connect-src")) expect(csp, directive).toContain(directive);
    }
    expect(csp).toContain("connect-src 'self' https://cognito-idp.");
    expect(csp).toContain(".amazoncognito.com https://*.execute-api.");
    expect(security).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: local["x-frame-options"], Override: true },
      ReferrerPolicy: { ReferrerPolicy: local["referrer-policy"], Override: true },
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 31_536_000,
        IncludeSubdomains: true,
        Override: true,
      },
    });
    expect(local["x-content-type-options"]).toBe("nosniff");
    const custom = Object.fromEntries(
      (policy.CustomHeadersConfig.Items as { Header: string; Value: string }[]).map((h) => [
        h.Header.toLowerCase(),
        h.Value,
      ]),
    );
    expect(custom).toEqual({
      "cross-origin-opener-policy": local["cross-origin-opener-policy"],
      "permissions-policy": local["permissions-policy"],
    });
    const behavior = only(web, "AWS::CloudFront::Distribution").DistributionConfig.DefaultCacheBehavior;
    expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: expect.stringMatching(/^Headers/) });
  });

  it("answers client routes with index.html, and leaves /config.json, assets and files alone (as npm start)", () => {
    const fn = only(web, "AWS::CloudFront::Function");
    expect(fn.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
    expect(fn.FunctionCode).toBe(spaRewriteCode());
    const behavior = only(web, "AWS::CloudFront::Distribution").DistributionConfig.DefaultCacheBehavior;
    expect(behavior.FunctionAssociations).toEqual([
      {
        EventType: "viewer-request",
        FunctionARN: { "Fn::GetAtt": [expect.stringMatching(/^ClientRoutes/), "FunctionARN"] },
      },
    ]);
    // The function's own code, run as CloudFront runs it: one request in, the request to fetch out.
    const handler = new Function(`${fn.FunctionCode as string}\nreturn handler;`)() as (event: {
      request: { uri: string };
    }) => { uri: string };
    const cases: [string, string][] = [
      ["/", "/index.html"],
      ["/runs/2026-abc", "/index.html"],
      ["/servers/io.github.acme%2Fweather", "/index.html"],
      ["/admin/audit", "/index.html"],
      ["/config.json", "/config.json"],
      ["/index.html", "/index.html"],
      ["/favicon.svg", "/favicon.svg"],
      ["/assets/index-CGSZy4Ix.js", "/assets/index-CGSZy4Ix.js"],
      ["/assets/missing", "/assets/missing"],
    ];
    for (const [uri, fetched] of cases) {
      expect(handler({ request: { uri } }).uri, uri).toBe(fetched);
      expect(isClientRoute(uri), uri).toBe(fetched === "/index.html" && uri !== "/index.html");
    }
  });

  it("outputs the console's address", () => {
    web.hasOutput("ConsoleUrl", {
      Value: {
        "Fn::Join": [
          "",
          ["https://", { "Fn::GetAtt": [Match.stringLikeRegexp("^Distribution"), "DomainName"] }],
        ],
      },
    });
  });
});

describe("Cognito and the API on the console's address", () => {
  it("lets the web client sign in and out on the CloudFront address and on webOrigin", () => {
    const clients = Object.values(auth.findResources("AWS::Cognito::UserPoolClient") as Resources);
    const webClient = clients.find((c) => c.Properties.ClientName === "mcpflow-test-web")!.Properties;
    expect(webClient.CallbackURLs).toEqual([
      { "Fn::Join": ["", ["https://", CONSOLE_DOMAIN, "/auth/callback"]] },
      "https://mcpflow.example.com/auth/callback",
    ]);
    expect(webClient.LogoutURLs).toEqual([
      { "Fn::Join": ["", ["https://", CONSOLE_DOMAIN, "/"]] },
      "https://mcpflow.example.com/",
    ]);
    // Template matchers do not apply inside toEqual: check the import names the web stack's distribution.
    expect(JSON.stringify(webClient.CallbackURLs[0])).toMatch(
      /mcpflow-test-web:ExportsOutputFnGetAttDistribution\w+DomainName/,
    );
  });

  it("allows the CloudFront address as a CORS origin of the API, in the preflight and in every function", () => {
    const options = Object.values(api.findResources("AWS::ApiGateway::Method") as Resources).filter(
      (m) => m.Properties.HttpMethod === "OPTIONS" && m.Properties.Integration.Type === "MOCK",
    );
    expect(options.length).toBeGreaterThan(0);
    for (const method of options) {
      const origin =
        method.Properties.Integration.IntegrationResponses[0].ResponseParameters[
          "method.response.header.Access-Control-Allow-Origin"
        ];
      if (origin === "'*'") continue; // the MCP registry read API (/v0.1), open to any origin
      expect(JSON.stringify(origin)).toMatch(
        /"'https:\/\/",\{"Fn::ImportValue":"mcpflow-test-web:.*DomainName/,
      );
    }
    for (const fn of Object.values(api.findResources("AWS::Lambda::Function") as Resources)) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      if (!variables.MCPFLOW_WEB_ORIGIN) continue;
      expect(JSON.stringify(variables.MCPFLOW_WEB_ORIGIN)).toMatch(
        /\["https:\/\/",\{"Fn::ImportValue":"mcpflow-test-web:.*DomainName\w*"\},",https:\/\/mcpflow\.example\.com"\]/,
      );
    }
  });
});

describe("the web-content stack", () => {
  const deployments = () =>
    Object.values(content.findResources("Custom::CDKBucketDeployment") as Resources).map((d) => d.Properties);

  it("uploads the hashed assets (cached a year, never pruned) and then the pages (revalidated) to the console bucket", () => {
    const [assets, pages] = [
      deployments().find((d) => d.DestinationBucketKeyPrefix === "assets/")!,
      deployments().find((d) => d.DestinationBucketKeyPrefix === undefined)!,
    ];
    const bucket = {
      "Fn::Join": ["", ["mcpflow-test-console-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }]],
    };
    expect(assets).toMatchObject({
      DestinationBucketName: bucket,
      Prune: false,
      SystemMetadata: { "cache-control": "public, max-age=31536000, immutable" },
    });
    expect(pages).toMatchObject({
      DestinationBucketName: bucket,
      Prune: true,
      Exclude: ["assets/*"],
      SystemMetadata: { "cache-control": "no-cache" },
    });
    // The pages' build folder holds index.html, not the assets, the manifest or the build stamp.
    const staged = stagedAsset(pages.SourceObjectKeys[0]);
    const files = readdirSync(staged, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
    expect(files).toContain("index.html");
    expect(files.some((name) => name.endsWith(".js"))).toBe(false);
    expect(files).not.toContain(".built-from");
    expect(files).not.toContain("manifest.json");
  });

  it("writes /config.json with the API's URL and the Cognito settings the console reads", () => {
    const pages = deployments().find((d) => d.SourceMarkers)!;
    const index = (pages.SourceObjectKeys as string[]).findIndex((key) => {
      try {
        readFileSync(join(stagedAsset(key), "config.json"));
        return true;
      } catch {
        return false;
      }
    });
    expect(index).toBeGreaterThanOrEqual(0);
    const raw = readFileSync(join(stagedAsset(pages.SourceObjectKeys[index]), "config.json"), "utf8");
    const markers = pages.SourceMarkers[index] as Record<string, unknown>;
    // Each deploy-time value, named by what CloudFormation will put there.
    const name = (value: unknown): string => {
      const v = value as Record<string, any>;
      if (v.Ref) return `{${v.Ref}}`;
      const imported = String(v["Fn::ImportValue"] ?? "");
      if (/mcpflow-test-api:ExportsOutputRefApiDeploymentStage/.test(imported)) return "{stage}";
      if (/mcpflow-test-api:ExportsOutputRefApi[A-F0-9]{8}/.test(imported)) return "{restApiId}";
      if (/mcpflow-test-auth:.*UserPool\w*ProviderURL/.test(imported)) return "{providerUrl}";
      if (/mcpflow-test-auth:.*WebClient/.test(imported)) return "{webClientId}";
      if (/mcpflow-test-auth:.*UserPoolDomain/.test(imported)) return "{domainPrefix}";
      return `{unknown ${JSON.stringify(value)}}`;
    };
    let resolved = raw;
    for (const [marker, value] of Object.entries(markers))
      resolved = resolved.replaceAll(marker, name(value));
    const config = JSON.parse(resolved);
    expect(config).toEqual({
      apiUrl: "https://{restApiId}.execute-api.{AWS::Region}.{AWS::URLSuffix}/{stage}",
      auth: {
        kind: "cognito",
        authority: "https://{providerUrl}",
        clientId: "{webClientId}",
        domain: "https://{domainPrefix}.auth.{AWS::Region}.amazoncognito.com",
      },
      region: "{AWS::Region}",
    });
    // What the console's own parser (web/src/config.ts) makes of it.
    expect(RuntimeConfig.parse(config).auth.kind).toBe("cognito");
    // The markers are the web client's, not the CLI's or the machine client's.
    expect(JSON.stringify(markers)).toMatch(/UserPoolWebClient/);
  });

  it("runs the upload with a role of its own (no AWS managed policy) that reaches only the two buckets", () => {
    for (const template of [web, content]) {
      for (const [id, role] of Object.entries(template.findResources("AWS::IAM::Role") as Resources)) {
        expect(role.Properties.ManagedPolicyArns ?? [], id).toEqual([]);
      }
    }
    const statements = Object.values(content.findResources("AWS::IAM::Policy") as Resources).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Record<string, any>[],
    );
    for (const statement of statements) {
      expect(statement.Resource, JSON.stringify(statement)).not.toBe("*");
      const actions = [statement.Action].flat() as string[];
      expect(
        actions.some((a) => a.startsWith("cloudfront:")),
        JSON.stringify(actions),
      ).toBe(false);
    }
  });

  it("leaves cdk-nag nothing unacknowledged in either stack", () => {
    expect(unacknowledgedFindings(built.web)).toEqual([]);
    expect(unacknowledgedFindings(built.webContent)).toEqual([]);
  });
});

/** A staged asset's folder in the synth output, by its object key (`<hash>.zip`). */
function stagedAsset(objectKey: string): string {
  return join(built.app.outdir, `asset.${objectKey.replace(/\.zip$/, "")}`);
}
