// Web content stack: uploads the built console (web/dist) to the web stack's bucket and writes /config.json beside
// it at deploy time — the API's URL and the Cognito settings the console's PKCE client reads (web/src/config.ts) —
// so one build serves every stage. It is last: it needs the API's URL and the Cognito clients, which themselves need
// the web stack's address.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Aws, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import type { IUserPoolClient, UserPool, UserPoolDomain } from "aws-cdk-lib/aws-cognito";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import { ASSETS_PREFIX, CACHE_CONTROL } from "../../shared/web/console-paths.js";
import type { McpflowConfig } from "../config.js";
import { acknowledge, acknowledgeWildcards } from "../nag.js";
import { stageNames } from "../naming.js";
import { repoRoot } from "../paths.js";

/** The built console; `npm install` (its prepare script) and `npm run build:web` write it. */
export const WEB_DIST = join(repoRoot, "web", "dist");

export interface WebContentStackProps extends StackProps {
  readonly config: McpflowConfig;
  readonly api: RestApi;
  readonly userPool: UserPool;
  readonly webClient: IUserPoolClient;
  readonly domain: UserPoolDomain;
  /** Where the built console is; web/dist unless a test points elsewhere. */
  readonly distDir?: string;
}

/** The runtime configuration as web/src/config.ts reads it (RuntimeConfig); values are deploy-time tokens. */
export function consoleRuntimeConfig(props: WebContentStackProps): Record<string, unknown> {
  const stage = props.api.deploymentStage.stageName;
  return {
    // Without a trailing slash or /v1: the generated client's paths start with /v1.
    apiUrl: `https://${props.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${stage}`,
    auth: {
      kind: "cognito",
      // ProviderURL is cognito-idp.<region>.amazonaws.com/<pool id>, without the scheme.
      authority: `https://${props.userPool.userPoolProviderUrl}`,
      clientId: props.webClient.userPoolClientId,
      domain: props.domain.baseUrl(),
    },
    region: Aws.REGION,
  };
}

export class WebContentStack extends Stack {
  constructor(scope: Construct, id: string, props: WebContentStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = stageNames(config.stage);
    const dist = props.distDir ?? WEB_DIST;
    if (!existsSync(join(dist, "index.html"))) {
      throw new Error(`${dist} has no index.html: build the console first (npm run build:web)`);
    }
    // By its fixed name (the web stack's), as the other stacks reach the payload bucket: no export to pin it.
    const bucket = Bucket.fromBucketName(this, "Site", names.consoleBucket);
    const assets = ASSETS_PREFIX.slice(1);

    // The CDK's upload handler, with a role and log group of its own rather than the AWS managed basic policy.
    const logGroup = new LogGroup(this, "UploadLogs", {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, "UploadRole", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Uploads the built console to its bucket during a deploy",
    });
    logGroup.grantWrite(role);
    const common = { destinationBucket: bucket, role, logGroup };

    // Hashed chunks first, and never pruned: a page opened before this deploy still loads its lazy chunks.
    const hashed = new BucketDeployment(this, "Assets", {
      ...common,
      sources: [Source.asset(join(dist, assets))],
      destinationKeyPrefix: assets,
      prune: false,
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.assets)],
    });
    // Then index.html, config.json and the rest. No invalidation is needed (and so no cloudfront:CreateInvalidation
    // on every distribution, which is how the CDK grants it): these are sent with Cache-Control no-cache, which
    // CloudFront's CachingOptimized policy keeps for its minimum TTL of one second.
    const pages = new BucketDeployment(this, "Pages", {
      ...common,
      sources: [
        // .vite holds the build manifest and .built-from the build stamp: neither is served.
        Source.asset(dist, { exclude: [`${assets}**`, ".vite/**", ".built-from"] }),
        Source.jsonData("config.json", consoleRuntimeConfig(props)),
      ],
      exclude: [`${assets}*`],
      cacheControl: [CacheControl.fromString(CACHE_CONTROL.other)],
    });
    pages.node.addDependency(hashed);

    // BucketDeployment's handler is one Lambda per stack (a SingletonFunction), with the CDK's runtime.
    for (const handler of this.node.children.filter((c) =>
      c.node.id.startsWith("Custom::CDKBucketDeployment"),
    )) {
      acknowledge(
        handler,
        "AwsSolutions-L1",
        "The CDK's BucketDeployment handler runs on the Python runtime its AWS CLI layer is built for; the CDK " +
          "release sets it, and it runs only while a deploy uploads the console.",
      );
    }
    acknowledgeWildcards(role, {
      findings: [
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        "Action::s3:Abort*",
        "Action::s3:DeleteObject*",
        `Resource::arn:<AWS::Partition>:s3:::${names.consoleBucketRendered}/*`,
        "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
      ],
      reason:
        "The CDK's BucketDeployment handler copies the build from the CDK asset bucket to the console bucket " +
        "(grantRead on the assets, grantReadWrite on the console bucket's objects, whose keys are the build's); " +
        "it can touch no other bucket.",
    });
  }
}
