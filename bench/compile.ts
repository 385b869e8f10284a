import { pathToFileURL } from "node:url";
import { parseWorkflow, type WorkflowDefinition } from "../shared/workflows/definition.js";
import {
  ASL_MAX_DEFINITION_BYTES,
  aslLimits,
  buildStateMachine,
  type CompileOptions,
} from "../statemachines/compile.js";
import { writeResult } from "./table.js";

const SERVER = "io.github.modelcontextprotocol/server-everything@2026.8.31";
const SIZES = [10, 50, 100, 250, 500, 1000, 2000];

const OPTIONS: CompileOptions = {
  servers: {
    [SERVER]: {
      mode: "ecs",
      taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/everything:1",
    },
  },
  target: {
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/mcpflow",
    subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    securityGroups: ["sg-0123456789abcdef0"],
    remoteInvokerArn: "arn:aws:lambda:eu-west-1:123456789012:function:mcpflow-remote-invoker",
    runnerContainerName: "runner",
  },
  workflowVersion: "1",
};

/** mulberry32: a seeded generator, so every run measures the same workflows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each step depends on up to 3 of the 20 steps before it; one in ten is a for_each, one in ten has a `when`. */
export function randomWorkflow(steps: number, seed = 1): WorkflowDefinition {
  const next = random(seed);
  return parseWorkflow({
    name: `bench-${steps}`,
    steps: Array.from({ length: steps }, (_, i) => {
      const deps = new Set<number>();
      const count = i === 0 ? 0 : Math.floor(next() * 4);
      for (let k = 0; k < count; k++) deps.add(Math.max(0, i - 1 - Math.floor(next() * 20)));
      const dep = [...deps][0];
      const kind = next();
      return {
        id: `step_${i}`,
        server: SERVER,
        tool: "echo",
        depends_on: [...deps].map((d) => `step_${d}`),
        arguments: {
          message: dep === undefined ? "{{ input.text }}" : `got {{ steps.step_${dep}.output.text }}`,
        },
        ...(kind < 0.1 ? { for_each: { items: "{{ input.words }}", max_concurrency: 4 } } : {}),
        ...(kind > 0.9 ? { when: { path: "{{ input.enabled }}", truthy: true } } : {}),
        ...(i % 7 === 0 ? { retry: { max_attempts: 3 } } : {}),
      };
    }),
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function compileOnce(definition: WorkflowDefinition): { ms: number; bytes: number } {
  const start = performance.now();
  const json = JSON.stringify(buildStateMachine(definition, OPTIONS));
  aslLimits(json);
  return { ms: performance.now() - start, bytes: Buffer.byteLength(json) };
}

function bytesFor(steps: number): number {
  return Buffer.byteLength(JSON.stringify(buildStateMachine(randomWorkflow(steps), OPTIONS)));
}

/** The largest step count of the benchmark's random workflows whose definition fits 1 MiB. */
function largestThatFits(): number {
  let lo = 1;
  let hi = 2;
  while (bytesFor(hi) <= ASL_MAX_DEFINITION_BYTES) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bytesFor(mid) <= ASL_MAX_DEFINITION_BYTES) lo = mid;
    else hi = mid;
  }
  return lo;
}

export async function runCompileBench(): Promise<{ rows: object[] }> {
  // Warm the JIT so the first size does not pay for it.
  for (let i = 0; i < 5; i++) compileOnce(randomWorkflow(50, 99));
  const rows: object[] = [];
  for (const steps of SIZES) {
    const definition = randomWorkflow(steps);
    const runs = steps >= 1000 ? 3 : steps >= 250 ? 5 : 9;
    const compile: number[] = [];
    const stringify: number[] = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      const result = compileOnce(definition);
      compile.push(result.ms);
      bytes = result.bytes;
      const start = performance.now();
      JSON.stringify(definition);
      stringify.push(performance.now() - start);
    }
    rows.push({
      steps,
      runs,
      compile_ms_median: Number(median(compile).toFixed(3)),
      baseline_stringify_definition_ms_median: Number(median(stringify).toFixed(3)),
      asl_bytes: bytes,
      asl_bytes_per_step: Math.round(bytes / steps),
      fits_1_mib: bytes <= ASL_MAX_DEFINITION_BYTES,
    });
  }
  rows.push({ largest_step_count_within_1_mib: largestThatFits() });
  console.table(rows);
  writeResult("compile", { rows });
  return { rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCompileBench();
