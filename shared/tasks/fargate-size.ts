// Fargate accepts only some CPU/memory pairs; checking them when a version is published turns a RunTask failure in
// the middle of a workflow into a 422 at publish time.
import { UnprocessableError } from "../errors.js";
import type { Runtime } from "../registry/schema.js";

export const DEFAULT_CPU = 256;
export const DEFAULT_MEMORY = 512;

/** Memory (MiB) Fargate allows per CPU value (Linux, platform 1.4.0). */
const ALLOWED: Record<number, { min: number; max: number; step: number; extra?: number[] }> = {
  256: { min: 1024, max: 2048, step: 1024, extra: [512] },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

export function isFargateSize(cpu: number, memory: number): boolean {
  const rule = ALLOWED[cpu];
  if (!rule) return false;
  if (rule.extra?.includes(memory)) return true;
  return memory >= rule.min && memory <= rule.max && (memory - rule.min) % rule.step === 0;
}

/** The task size for a runtime (defaults 256/512), or an UnprocessableError naming the allowed values. */
export function fargateSize(runtime: Pick<Runtime, "cpu" | "memory"> | undefined): {
  cpu: number;
  memory: number;
} {
  const cpu = runtime?.cpu ?? DEFAULT_CPU;
  const memory =
    runtime?.memory ?? (cpu === DEFAULT_CPU ? DEFAULT_MEMORY : (ALLOWED[cpu]?.min ?? DEFAULT_MEMORY));
  if (isFargateSize(cpu, memory)) return { cpu, memory };
  const rule = ALLOWED[cpu];
  const allowed = rule
    ? `with cpu ${cpu}, memory must be ${[...(rule.extra ?? []), rule.min].join(" or ")}..${rule.max} in steps of ${rule.step}`
    : `cpu must be one of ${Object.keys(ALLOWED).join(", ")}`;
  throw new UnprocessableError(`cpu ${cpu} / memory ${memory} is not a size Fargate runs.`, {
    issues: [{ field: rule ? "runtime.memory" : "runtime.cpu", rule: allowed }],
  });
}
