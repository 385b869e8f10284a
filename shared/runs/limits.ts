// The size limits of the step protocol, one of each, for every host (embedded engine, Fargate runner, remote
// invoker) and for the records that end a run. Kept apart so that functions which only end runs import no MCP code.

/**
 * A value (run input, step arguments, step output, run output) larger than this, as JSON, goes to the blob store;
 * the table item keeps `<field>Blob: {key, bytes}` and the state machine carries `{blob, text}`. DynamoDB items
 * stop at 400 KB and Step Functions payloads at 256 KiB; 64 KiB leaves room for several values in one item.
 */
export const OFFLOAD_BYTES = 64 * 1024;

/** Characters of a large output's text kept inline next to its blob reference, for Choice states and people. */
export const PREVIEW_CHARS = 4096;

/**
 * A failure's cause, as reported to Step Functions (`SendTaskFailure`), thrown to the embedded interpreter and kept
 * on a run's error. Step Functions accepts 32,768 characters; a cause is for people, and the stderr tail is cut first.
 */
export const MAX_CAUSE_CHARS = 4096;
