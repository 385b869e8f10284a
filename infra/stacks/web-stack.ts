// Web stack: where the console is served on AWS — a private S3 bucket behind a CloudFront distribution that reads
// it through origin access control, with the console's security headers (one list with `npm start`:
// shared/web/security-headers.ts) and client routes answered with index.html. It comes first, before auth and
// api, because Cognito's callback URLs and the API's CORS origin both need the distribution's address; the files and
// /config.json, which need the API's URL and the Cognito clients, are uploaded by the web-content stack.
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { FILE_PATH } from "../../shared/web/console-paths.js";
import { consoleSecurityHeaders } from "../../shared/web/security-headers.js";
import type { McpflowConfig } from "../config.js";
import { acknowledge } from "../nag.js";
import { authDomainOrigin, authDomainPrefix, stageNames } from "../naming.js";

export interface WebStackProps extends StackProps {
  readonly config: McpflowConfig;
}

/**
 * The origins the console calls besides its own, on AWS: Cognito's OpenID discovery and keys (the user pool's
 * issuer), its hosted UI's token endpoint, and the API. The API's id is not known when the distribution is made
 * (the API is deployed after it, as it needs the distribution's address for CORS), so the API is allowed as any
 * API Gateway endpoint of this region, never another host.
 */
export function consoleConnectSources(config: McpflowConfig): string[] {
  return [
    `https://cognito-idp.${Aws.REGION}.amazonaws.com`,
    authDomainOrigin(authDomainPrefix(config)),
    `https://*.execute-api.${Aws.REGION}.amazonaws.com`,
  ];
}

/**
 * The viewer-request function: a client route (no extension, not under /assets/) is answered with /index.html, as
 * `npm start` does; a file, /config.json included, is looked up as it is and a missing one stays a 404.
 */
export function spaRewriteCode(): string {
  return [
    "function handler(event) {",
    "  var request = event.request;",
    `  if (!${FILE_PATH.toString()}.test(request.uri)) request.uri = "/index.html";`,
    "  return request;",
    "}",
  ].join("\n");
}

export class WebStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<id>.cloudfront.net`: where people open the console; Cognito and the API's CORS allow it. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = stageNames(config.stage);
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // CloudFront's standard logs are written with ACLs, so this bucket keeps them enabled (BUCKET_OWNER_PREFERRED);
    // the console's bucket writes its server access logs here too, under site/.
    const logs = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-logs", expiration: Duration.days(365) }],
      removalPolicy,
    });

    this.bucket = new Bucket(this, "Site", {
      bucketName: names.consoleBucket,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: "site/",
      lifecycleRules: [{ id: "expire-old-versions", noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
    });

    const security = consoleSecurityHeaders({ connectSrc: consoleConnectSources(config) });
    const headers = new ResponseHeadersPolicy(this, "Headers", {
      responseHeadersPolicyName: `${names.prefix}-console`,
      comment: "mcpflow console: the security headers npm start sends (shared/web/security-headers.ts)",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: security["content-security-policy"]!,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: "Cross-Origin-Opener-Policy",
            value: security["cross-origin-opener-policy"]!,
            override: true,
          },
          { header: "Permissions-Policy", value: security["permissions-policy"]!, override: true },
        ],
      },
    });

    const spaRewrite = new EdgeFunction(this, "ClientRoutes", {
      functionName: `${names.prefix}-console-routes`,
      comment: "Client routes of the mcpflow console answer index.html; files and /config.json do not",
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(spaRewriteCode()),
    });

    this.distribution = new Distribution(this, "Distribution", {
      comment: `mcpflow ${config.stage} console`,
      defaultRootObject: "index.html",
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: "cloudfront/",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // The objects' own Cache-Control decides: a year for hashed assets, revalidation for the rest.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
    });
    acknowledge(
      this.distribution,
      "AwsSolutions-CFR1",
      "The console is for a team wherever its members are; sign-in (Cognito) and the API decide who gets in.",
    );
    acknowledge(
      this.distribution,
      "AwsSolutions-CFR2",
      "The distribution serves only static files; everything with data goes to the API, which has its own WAF " +
        "option (-c waf=true). A CloudFront web ACL must live in us-east-1, a stack of its own in another region.",
    );
    acknowledge(
      this.distribution,
      "AwsSolutions-CFR4",
      "The distribution uses its default *.cloudfront.net certificate, for which CloudFront fixes the viewer " +
        "security policy (cdk-nag reads it as TLSv1); a custom domain with an ACM certificate would set " +
        "TLSv1.2_2021. Viewers are redirected to HTTPS and HSTS is sent.",
    );

    this.url = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, "ConsoleUrl", { description: "The web console", value: this.url });
    new CfnOutput(this, "ConsoleBucketName", { value: this.bucket.bucketName });
  }
}
