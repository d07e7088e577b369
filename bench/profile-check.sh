#!/usr/bin/env bash
# One token-check scenario profiled alone: bench/profile-check.sh <allowed|malformed|unknown|floor> [seconds] [--no-profile|--gc]
#
# `npm run bench -- --only hotpath` runs every scenario against one service, so a --cpu-prof of it
# mixes them; this script starts a fresh built service (dist/, `npm run build` first) on a fresh
# PostgreSQL database, pinned to core 0 like the bench, registers an owner with a workspace, and
# loads one scenario from core 1 with autocannon (50 connections): `allowed` is the owner's personal
# token checked for workspace:read, `malformed` a token of the wrong shape, `unknown` a well-formed
# token nobody issued (build/src from `npx tsc -p tsconfig.scripts.json` makes it), `floor` GET /health/live.
# It prints the service's CPU per request (from /proc) and, unless --no-profile, writes the profile's
# summary (build/bench/profile-top.js; `npx tsc -p tsconfig.scripts.json` first) to
# bench/results/profiles/<date>-<scenario>.txt. With --gc, no profile: the service runs under --trace-gc
# and the GC pauses during the load (placed by their own timestamps) are summed up as `npm run bench --
# --only gc` does (the longest step of a mark-compact's incremental marking counted as a pause too),
# without the bench's seeding.
# Rate limits are on, with limits nobody reaches, as in the bench. Needs PostgreSQL on PGHOST
# (127.0.0.1), curl, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?allowed, malformed, unknown or floor}
seconds=${2:-8}
profile=true
gc=false
[ "${3:-}" = "--no-profile" ] && profile=false
[ "${3:-}" = "--gc" ] && profile=false && gc=true
port=${PROFILE_PORT:-3913}
db="latchkey_profile_$$"
work=$(mktemp -d)
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
psql -q -d postgres -c "CREATE DATABASE $db"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

node_args=()
$profile && node_args=(--cpu-prof "--cpu-prof-dir=$work")
$gc && node_args=(--trace-gc)
env -i PATH="$PATH" HOME="$HOME" DATABASE_URL="postgres://$PGUSER@$PGHOST:5432/$db" PORT="$port" \
  LATCHKEY_LOG_LEVEL=warn LATCHKEY_LOG_REQUESTS=false LATCHKEY_RATE_LIMIT_PER_TOKEN=100000000 \
  LATCHKEY_RATE_LIMIT_PUBLIC_PER_IP=100000000 LATCHKEY_RATE_LIMIT_FAILED_CHECKS_PER_IP=100000000 \
  taskset -c 0 node --no-memory-reducer "${node_args[@]}" dist/main.js >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "localhost:$port/health/ready" >/dev/null && break; sleep 0.3; done

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
token=$(curl -sf -XPOST "localhost:$port/v1/auth/register" -H 'content-type: application/json' \
  -d '{"email":"profile@example.com","password":"correct horse battery staple 42","name":"Profile"}' | json personalToken.secret)
workspace=$(curl -sf -XPOST "localhost:$port/v1/workspaces" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"name":"Profiled"}' | json id)
case $scenario in
  allowed) path="/v1/authorize?workspaceId=$workspace&permission=workspace:read" header="authorization=Bearer $token" ;;
  malformed) path="/v1/authorize?workspaceId=$workspace&permission=workspace:read" header="authorization=Bearer lka_thisIsNotAToken" ;;
  unknown)
    path="/v1/authorize?workspaceId=$workspace&permission=workspace:read"
    header="authorization=Bearer $(node -e 'console.log(require("./build/src/auth/token-format.js").generateToken("lkp_"))')"
    ;;
  floor) path="/health/live" header="accept=application/json" ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac

autocannon=node_modules/.bin/autocannon
"$autocannon" -c 50 -d 3 -H "$header" "http://127.0.0.1:$port$path" >/dev/null 2>&1 # warm-up
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks=$(getconf CLK_TCK)
# How long the service has run, in ms: the clock of V8's trace lines (to within the tens of ms before its heap was set up).
age_ms() { awk -v start="$(awk '{print $22}' "/proc/$pid/stat")" -v ticks="$ticks" '{printf "%d", $1 * 1000 - start * 1000 / ticks}' /proc/uptime; }
before=$(cpu)
load_from=$(age_ms)
report=$(taskset -c 1 "$autocannon" -j -c 50 -d "$seconds" -H "$header" "http://127.0.0.1:$port$path" 2>/dev/null)
after=$(cpu)
load_to=$(age_ms)
requests=$(echo "$report" | json requests.total)
echo "$report" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const r = JSON.parse(s); const [scenario, ticks, perSecond] = process.argv.slice(1);
    console.log(`${scenario}: ${r.requests.total} requests, ${r.non2xx} non-2xx, p99 ${r.latency.p99} ms, ` +
      `${((ticks / perSecond) * 1e6 / r.requests.total).toFixed(1)} µs of service CPU per request (uptime: ${require("os").loadavg()[0].toFixed(1)})`);
  });' "$scenario" "$((after - before))" "$ticks"
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
pid=""
if $gc; then
  # Read once the service has exited: V8's lines reach the file through C's buffer, some only at exit.
  node -e '
    const { parseTraceGc, summariseGcWindow } = require("./build/bench/hotpath.js");
    const [file, from, to] = process.argv.slice(1);
    const pauses = require("fs").readFileSync(file, "utf8").split("\n").flatMap(parseTraceGc);
    console.log(JSON.stringify(summariseGcWindow(pauses, Number(from), Number(to)), null, 2));' "$work/service.log" "$load_from" "$load_to"
fi
if $profile; then
  out="bench/results/profiles/$(date -u +%Y-%m-%dT%H-%M)-$scenario.txt"
  node build/bench/profile-top.js "$work"/*.cpuprofile --last-seconds "$seconds" --requests "$requests" --top 40 >"$out"
  echo "profile summary: $out"
fi
