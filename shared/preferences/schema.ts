// A person's own settings, kept by the API so they follow them to another browser: for now, how their dashboard is
// arranged (which panels, in which order, and the workflows and servers they pinned). Strict: every field is known,
// every list bounded, so a client cannot store anything else under a user's name.
import { ServerNameReference } from "../registry/schema.js";
import { WorkflowName } from "../workflows/definition.js";
import * as z from "../zod.js";

/** The dashboard's panels (web/src/pages/Dashboard.tsx draws each). */
export const DashboardPanel = z.enum(["pinned", "recent-runs", "failing-workflows", "new-servers"]);
export type DashboardPanel = z.infer<typeof DashboardPanel>;

/** Pins per kind: a dashboard, not a second catalog. */
export const MAX_PINS = 50;

const unique = (what: string) =>
  z.refine<string[]>((items) => new Set(items).size === items.length, `must not name the same ${what} twice`);

export const DashboardLayout = z.strictObject({
  panels: z
    .array(DashboardPanel)
    .check(
      z.maxLength(DashboardPanel.options.length),
      unique("panel"),
      z.meta({ description: "the panels shown, in order; a panel left out is hidden" }),
    ),
  pinned: z.strictObject({
    workflows: z.array(WorkflowName).check(z.maxLength(MAX_PINS), unique("workflow")),
    servers: z.array(ServerNameReference).check(z.maxLength(MAX_PINS), unique("server")),
  }),
});
export type DashboardLayout = z.infer<typeof DashboardLayout>;

export const Preferences = z.strictObject({ dashboard: DashboardLayout });
export type Preferences = z.infer<typeof Preferences>;

export const StoredPreferences = z.object({
  ...Preferences.shape,
  revision: z
    .number()
    .check(z.int(), z.meta({ description: "0 until the first save; If-Match names it (also the ETag)" })),
  updatedAt: z.optional(z.string()),
});
export type StoredPreferences = z.infer<typeof StoredPreferences>;

/** What a person who never arranged anything sees: every panel, in the order the console first drew them. */
export const DEFAULT_PREFERENCES: Preferences = {
  dashboard: {
    panels: ["pinned", "recent-runs", "failing-workflows", "new-servers"],
    pinned: { workflows: [], servers: [] },
  },
};

/** A PUT body over this is refused before it is parsed (413): 100 pins of the longest names fit well inside. */
export const MAX_PREFERENCES_BYTES = 32 * 1024;
