#!/usr/bin/env bash
# Measures what the CacheGen generator and analyzers cost a command-line build: writes a project of
# 30 services like the sample's RackService (10 annotated methods each: 300 in all), builds it with
# `dotnet build -v:d -p:ReportAnalyzer=true` and prints the compiler's per-generator and per-analyzer times.
# The project uses the Web SDK, so the framework's own generators (logging, options validation, ...) run in the same
# compilation; 30 classes of 10 [LoggerMessage] methods (300 in all) give the logging generator real work, and its
# time is the reference for ratios on a loaded machine.
# Usage: scripts/build-cost.sh [--server] [runs] [repository root to measure, default this one; e.g. a worktree of an older commit]
#        --server: build as `dotnet build` does by default, through the compiler server (VBCSCompiler), on a server of
#        this invocation's own (fresh pipe name, so run 1 is cold: the server loads and JIT-compiles CacheGen; later runs
#        reuse the loaded, JIT-compiled analyzers, as a developer's repeated builds do); stopped by its PID at the end.
#        Without it every build is a fresh csc process (UseSharedCompilation=false): every run pays the cold JIT.
#        scripts/build-cost.sh --sources DIR   (only write the 30 service files to DIR: the in-process harness,
#        benchmarks/CacheGen.BuildCost, measures the same sources)
set -euo pipefail
cd "$(dirname "$0")/.."
server=0
if [ "${1:-}" = "--server" ]; then
  server=1
  shift
fi
if [ "${1:-}" = "--sources" ]; then
  dir=$(mkdir -p "$2" && cd "$2" && pwd)
  sources_only=1
else
  sources_only=0
  runs="${1:-3}"
  root=$(cd "${2:-.}" && pwd)
  cd "$root"
  dotnet build generator/CacheGen.Generator.csproj -c Release -nologo -v:q >/dev/null
  dotnet build analyzers/CacheGen.Analyzers/CacheGen.Analyzers.csproj -c Release -nologo -v:q >/dev/null
  dotnet build runtime/CacheGen.csproj -c Debug -nologo -v:q >/dev/null

  dir=$(mktemp -d /tmp/cachegen-buildcost.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
fi
if [ "$sources_only" = 0 ]; then
# as the package lays them out (analyzers/dotnet/roslyn4.8/cs/): both assemblies in one folder, so the compiler loads
# the generator assembly once for the generator and the analyzers (two folders would load and JIT it twice)
generator_dll="$root/analyzers/CacheGen.Analyzers/bin/Release/netstandard2.0/CacheGen.Generator.dll"
[ -f "$generator_dll" ] || generator_dll="$root/generator/bin/Release/netstandard2.0/CacheGen.Generator.dll"
cat > "$dir/BuildCost.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <OutputType>Library</OutputType>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$root/runtime/CacheGen.csproj" />
    <Analyzer Include="$generator_dll" />
    <Analyzer Include="$root/analyzers/CacheGen.Analyzers/bin/Release/netstandard2.0/CacheGen.Analyzers.dll" />
  </ItemGroup>
</Project>
XML
fi
for s in $(seq 0 29); do
cat > "$dir/RackService$s.cs" <<CS
using CacheGen;

namespace BuildCost.S$s;

public sealed record ThermalReport(int RackId, double InletCelsius, double OutletCelsius, string Status, long Computation);
public sealed record SearchHit(int Id, string Title);
public sealed record RackUpdate(double InletCelsius, double OutletCelsius);
public enum RackKind { Compute, Storage, Network }

public sealed partial class RackService(ICacheClient cache)
{
    [Cached("thermal$s", 300, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
    public partial Task<ThermalReport> GetThermalAnalysisAsync(int rackId, CancellationToken ct = default);

    [InvalidatesCache("thermal$s", Key = "rack:{rackId}")]
    [InvalidatesCache(Tags = ["rack:{rackId}"])]
    public partial Task UpdateRackAsync(int rackId, RackUpdate update, CancellationToken ct = default);

    [Cached("search$s", 3600)]
    public partial ValueTask<IReadOnlyList<SearchHit>> SearchAsync(string query, int limit, CancellationToken ct = default);

    [InvalidatesCache("search$s")]
    public partial void RebuildSearchIndex();

    [Cached("kind$s", 600, Key = "kind:{kind}:{page}")]
    public partial Task<List<SearchHit>> ByKindAsync(RackKind kind, int page, CancellationToken ct = default);

    [InvalidatesCache("kind$s")]
    public partial Task ReclassifyAsync(int rackId, RackKind kind);

    [Cached("hits$s", 120, Key = "hit:{id}")]
    public partial SearchHit? GetHit(Guid id);

    [Cached("range$s", 300)]
    public partial Task<ThermalReport[]> RangeAsync(DateOnly from, DateOnly to, RackKind? kind, CancellationToken ct = default);

    [InvalidatesCache("range$s")]
    [InvalidatesCache("hits$s")]
    public partial Task ClearAsync();

    [Cached("update$s", 60)]
    public partial ValueTask<RackUpdate> LastUpdateAsync(int rackId, CancellationToken ct = default);

    private Task<ThermalReport> GetThermalAnalysisAsyncCore(int rackId, CancellationToken ct) => Task.FromResult(new ThermalReport(rackId, 20, 30, "ok", 1));
    private Task UpdateRackAsyncCore(int rackId, RackUpdate update, CancellationToken ct) => Task.CompletedTask;
    private ValueTask<IReadOnlyList<SearchHit>> SearchAsyncCore(string query, int limit, CancellationToken ct) => new(new List<SearchHit>());
    private void RebuildSearchIndexCore() { }
    private Task<List<SearchHit>> ByKindAsyncCore(RackKind kind, int page, CancellationToken ct) => Task.FromResult(new List<SearchHit>());
    private Task ReclassifyAsyncCore(int rackId, RackKind kind) => Task.CompletedTask;
    private SearchHit? GetHitCore(Guid id) => null;
    private Task<ThermalReport[]> RangeAsyncCore(DateOnly from, DateOnly to, RackKind? kind, CancellationToken ct) => Task.FromResult(Array.Empty<ThermalReport>());
    private Task ClearAsyncCore() => Task.CompletedTask;
    private ValueTask<RackUpdate> LastUpdateAsyncCore(int rackId, CancellationToken ct) => new(new RackUpdate(1, 2));
}
CS
# the reference measured in the same build: the framework's logging generator over 300 [LoggerMessage] methods
{
  echo "using Microsoft.Extensions.Logging;"
  echo "namespace BuildCost.L$s;"
  echo "internal static partial class Log"
  echo "{"
  for m in $(seq 0 9); do
    echo "    [LoggerMessage(EventId = $m, Level = LogLevel.Information, Message = \"Rack {RackId} step $m took {Elapsed} ms in {Zone}\")]"
    echo "    public static partial void Step$m(ILogger logger, int rackId, double elapsed, string zone);"
  done
  echo "}"
} > "$dir/Log$s.cs"
done
[ "$sources_only" = 1 ] && exit 0
cd "$dir"
if [ "$server" = 1 ]; then
  pipe="cachegen-buildcost-$$-$RANDOM"
  compile_flags="-p:UseSharedCompilation=true -p:SharedCompilationId=$pipe"
  stop_server() {
    # only the server this script started (its pipe name is on its command line)
    for pid in $(pgrep -f -- "$pipe" || true); do kill "$pid" 2>/dev/null || true; done
    rm -f "${TMPDIR:-/tmp}/$pipe"  # the server's socket, left behind when it is killed
    rm -rf "$dir"
  }
  trap stop_server EXIT
  echo "compiler server: own pipe $pipe (run 1 starts it cold)"
else
  compile_flags="-p:UseSharedCompilation=false"
fi
dotnet restore -nologo -v:q > restore.log 2>&1 || { tail -20 restore.log; exit 1; }
for i in $(seq 1 "$runs"); do
  touch RackService0.cs
  dotnet build --no-restore -nologo -v:d -p:BuildProjectReferences=false -p:ReportAnalyzer=true $compile_flags > build.log 2>&1 || { tail -30 build.log; exit 1; }
  echo "run $i: $(grep -cE 'warning CGEN|error CGEN' build.log || true) CGEN lines"
  grep -E '^\s+[0-9.<]+ +[0-9<]+ +(CacheGen\.(Generator|Analyzers)|Microsoft\.Extensions\.Logging\.Generators), Version' build.log | sed 's/^ */  /' | sort -u
  { grep -E "warning (CS8032|AD0001|CS8784)" build.log || true; } | sort -u | head -3
  { grep -E 'Total (analyzer|generator) execution time' build.log || true; } | sed 's/^ */  /'
done
# exact counts, the evidence that survives a loaded machine: the in-process harness (benchmarks/CacheGen.BuildCost) over
# the same sources in a fresh process, tiered compilation off so every method is JIT-compiled exactly once (the counts
# are then the distinct methods a cold build first-touches); pass 1 is the cold build, pass 2 warm. BUILDCOST_METER=1 adds
# the analyzers' callbacks metered one by one (calls, exact bytes, thread CPU); an older harness ignores it
if [ -f "$root/benchmarks/CacheGen.BuildCost/CacheGen.BuildCost.csproj" ]; then
  dotnet build "$root/benchmarks/CacheGen.BuildCost/CacheGen.BuildCost.csproj" -c Release -nologo -v:q >/dev/null
  echo "in-process harness, DOTNET_TieredCompilation=0, 2 passes:"
  BUILDCOST_METER=1 DOTNET_TieredCompilation=0 dotnet "$root/benchmarks/CacheGen.BuildCost/bin/Release/net10.0/CacheGen.BuildCost.dll" "$dir" 2 \
    | sed -n '/^Exact counts/,$p'
fi
