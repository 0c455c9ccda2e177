#!/usr/bin/env bash
# Runs every CacheGen test. The integration tests start their own redis-server, so install it
# (Debian's package) when it is missing. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing: installing Debian's redis-server"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi
redis-server --version

# the value tests decode our bytes with an independent MessagePack implementation (Debian's python3-msgpack)
if ! /usr/bin/python3 -c "import msgpack" >/dev/null 2>&1; then
  echo "python3-msgpack is missing: installing Debian's python3-msgpack"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-msgpack >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test CacheGen.sln --configuration Release "$@" 2>&1 | tee "$log" || status=$?

# one closing line for the whole run: the sum of every test assembly's counts
awk '/(Passed|Failed)! +- +Failed: /{
  for (i = 1; i <= NF; i++) {
    if ($i == "Failed:")  { f += $(i+1) + 0 }
    if ($i == "Passed:")  { p += $(i+1) + 0 }
    if ($i == "Skipped:") { s += $(i+1) + 0 }
  }
  n++
}
END {
  if (n == 0) { print "no test assembly reported results"; exit 1 }
  printf "%d passed, %d failed, %d skipped\n", p, f, s
}' "$log" || status=1
exit "$status"
