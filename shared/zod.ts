// The one zod import of the project: zod/mini (tree-shakable functions instead of methods) with English messages.
// Classic zod costs about 100 KB in every Lambda bundle however little of it is used; mini costs only what is
// used. See docs/decisions/0003-bundle-size.md. Import it as `import * as z from "<relative>/zod.js"`.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

export * from "zod/mini";
