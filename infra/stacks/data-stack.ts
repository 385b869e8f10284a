// Data stack: the single DynamoDB table and the payload/artifact bucket (with its access-log bucket).
// Encryption uses AWS-owned/managed keys on purpose; see docs/deploy.md "Encryption".
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
  StorageClass,
} from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { McpflowConfig } from "../config.js";
import { GSI1, stageNames } from "../naming.js";

export interface DataStackProps extends StackProps {
  readonly config: McpflowConfig;
}

export class DataStack extends Stack {
  readonly table: Table;
  readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = stageNames(config.stage);
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = new Table(this, "Table", {
      tableName: names.prefix,
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb) shows every use in CloudTrail without a customer key to administer.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: config.deletionProtection,
      timeToLiveAttribute: "ttl",
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: "gsi1pk", type: AttributeType.STRING },
      sortKey: { name: "gsi1sk", type: AttributeType.STRING },
    });

    // Server access logs cannot be delivered to an SSE-KMS bucket, so the log bucket uses SSE-S3.
    const accessLogs = new Bucket(this, "AccessLogs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
      removalPolicy,
    });
    this.bucket = new Bucket(this, "Payloads", {
      bucketName: names.payloadBucket,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "payloads/",
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Tool results above the 256 KiB Step Functions payload limit only matter while a run is inspected.
        {
          id: "expire-large-payloads",
          prefix: "payloads/",
          expiration: Duration.days(90),
          noncurrentVersionExpiration: Duration.days(7),
        },
        {
          id: "tier-run-artifacts",
          prefix: "runs/",
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
        },
        { id: "expire-old-versions", noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy,
    });

    new CfnOutput(this, "TableName", { value: this.table.tableName });
    new CfnOutput(this, "BucketName", { value: this.bucket.bucketName });
    new CfnOutput(this, "TableConsoleUrl", {
      description: "DynamoDB console: the mcpflow table",
      value: `https://${this.region}.console.aws.amazon.com/dynamodbv2/home?region=${this.region}#table?name=${this.table.tableName}`,
    });
  }
}
