// AWS SDK clients whose package is imported at the first call, not when the Lambda bundle loads. Every function's
// bundle shares shared/aws-platform.ts, so static imports made each one load seven SDK packages at cold start
// (about 430 ms here) where most need only DynamoDB (about 175 ms); `npm run bench` measures it. The package is
// external to the bundle (the Lambda runtime provides it), so `import()` of it stays a real dynamic import.

/** A `send`-only client built on first use from `load`, which imports its SDK package. */
export function lazyClient<C extends { send(command: never): Promise<unknown> }>(
  load: () => Promise<C>,
): Pick<C, "send"> {
  let client: Promise<C> | undefined;
  const send = (command: never) => {
    client ??= load().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client.then((c) => c.send(command));
  };
  return { send } as Pick<C, "send">;
}
