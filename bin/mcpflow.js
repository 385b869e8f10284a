#!/usr/bin/env node
// The mcpflow command. The CLI is TypeScript run through tsx (a dependency), so it works from a checkout and from an
// installed package alike, with no build step (docs/cli.md says why).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
await main(process.argv);
