#!/usr/bin/env bash
# Runs CacheGen's Redis benchmarks against a redis-server this script starts (and stops, by its PID).
#
#   scripts/bench-run.sh client [BenchmarkDotNet args]   # StackExchange.Redis client study (every version × knob)
#   scripts/bench-run.sh hit    [BenchmarkDotNet args]   # side-by-side hit paths (CacheGen, FusionCache, HybridCache, …)
#   scripts/bench-run.sh hit-counts [name filter]         # the same setups: exact bytes and work items per hit, no BDN
#   scripts/bench-run.sh generator [args]                 # generator and analyzer benchmarks (no Redis needed)
#   scripts/bench-run.sh client-hops [rounds]             # client study: context switches and work items per GET
#
# BenchmarkDotNet args default to --filter '*'. Results land in BenchmarkDotNet.Artifacts/ under the repository.
# Environment: CLIENTSTUDY_VERSIONS / CLIENTSTUDY_KNOBS narrow the client study matrix (comma-separated);
# HITPATH_VERSIONS picks the StackExchange.Redis versions of the hit-path jobs (default 3.4.35).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CLIENTSTUDY_VERSIONS:=1.2.6,2.7.27,2.8.16,3.4.35}"

suite="${1:-}"
shift || true
case "$suite" in
  client|client-hops) project=benchmarks/CacheGen.ClientStudy ;;
  hit|hit-counts) project=benchmarks/CacheGen.HitPath ;;
  generator) project=benchmarks/CacheGen.Benchmarks ;;
  *) echo "usage: $0 client|client-hops|hit|hit-counts|generator [BenchmarkDotNet args]" >&2; exit 2 ;;
esac
if [ "$#" -eq 0 ] && [ "$suite" = hit ]; then
  # the side-by-side tables of docs/benchmarks.md (MissPath and InvalidationWait run only when asked for by --filter)
  set -- --filter '*RedisHit*' '*MemoryHit*'
elif [ "$#" -eq 0 ] && [ "$suite" != client-hops ] && [ "$suite" != hit-counts ]; then
  set -- --filter '*'
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing: installing Debian's redis-server"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi

# a free loopback port outside the test fixtures' 6500-6599
port=""
for p in $(seq 6700 6799); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free port in 6700-6799" >&2; exit 1; }

dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --maxmemory 256mb --maxmemory-policy allkeys-lru --daemonize no --logfile "$dir/redis.log" &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 50); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null

echo "redis-server $(redis-server --version | awk '{print $3}') pid $redis_pid on 127.0.0.1:$port; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
export BENCH_REDIS_PORT="$port"
if [ "$suite" = client-hops ]; then
  # one build per client version, one process per knob (socket managers and feature flags are process-wide)
  for version in ${CLIENTSTUDY_VERSIONS//,/ }; do
    out="$dir/build-$version"
    dotnet build -c Release "$project" -p:SeRedisVersion="$version" -o "$out" >"$dir/build-$version.log" 2>&1 \
      || { cat "$dir/build-$version.log"; exit 1; }
    knobs=$(CLIENTSTUDY_VERSION="$version" dotnet "$out/CacheGen.ClientStudy.dll" --knobs)
    for knob in $knobs; do
      if [ -n "${CLIENTSTUDY_KNOBS:-}" ] && [[ ",$CLIENTSTUDY_KNOBS," != *",$knob,"* ]]; then continue; fi
      CLIENTSTUDY_KNOB="$knob" dotnet "$out/CacheGen.ClientStudy.dll" --hops "${1:-5}" | sed "s/^HOPS /HOPS $version /"
    done
  done
elif [ "$suite" = hit-counts ]; then
  HITPATH_SEREDIS="${HITPATH_VERSIONS:-3.4.35}"
  dotnet run -c Release --project "$project" -p:SeRedisVersion="${HITPATH_SEREDIS%%,*}" -- --counts "$@"
else
  dotnet run -c Release --project "$project" -- "$@"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
