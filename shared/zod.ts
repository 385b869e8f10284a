// The one zod import of the project: zod/mini (tree-shakable functions instead of methods) with English messages.
// Classic zod costs about 100 KB in every Lambda bundle however little of it is used; mini costs only what is
// used. See docs/decisions/0003-bundle-size.md. Import it as `import * as z from "<relative>/zod.js"`.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { ruleOf } from "./validation.js";

// English messages, and before them the API's own for the issues whose English names zod's internals.
z.config({ ...en(), customError: ruleOf });

export * from "zod/mini";
