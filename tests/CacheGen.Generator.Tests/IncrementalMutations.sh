#!/bin/bash
# Mutation check of IncrementalTests: each test must go red under one of these. Usage: IncrementalMutations.sh M1|M2|M3
#  M1: EquatableArray compares by reference (equality breaks: never equal across runs)
#  M2: MethodSpec equality always true (a real change is not seen)
#  M3: MethodSpec holds the IMethodSymbol (a symbol in a model: never equal, roots the compilation)
# Applies the mutation to generator/, builds, runs IncrementalTests, restores generator/ (rebuild before other tests).
# Seen: M1 fails UnrelatedEdit, RerunOnClone, CoreBodyEdit; M2 fails CachedSignatureEdit; M3 fails the four others.
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
git diff --quiet -- generator/ || { echo "generator/ has uncommitted changes: commit or stash them first"; exit 2; }
case "$1" in
  M1) python3 - <<'PY'
p='generator/Model/EquatableArray.cs'; s=open(p).read()
s=s.replace('''        var a = _items ?? Array.Empty<T>();
        var b = other._items ?? Array.Empty<T>();
        if (a.Length != b.Length)''','''        var a = _items ?? Array.Empty<T>();
        var b = other._items ?? Array.Empty<T>();
        if (!ReferenceEquals(_items, other._items))''',1)
open(p,'w').write(s)
PY
  ;;
  M2) python3 - <<'PY'
p='generator/Model/MethodSpec.cs'; s=open(p).read()
i=s.index('internal sealed record MethodSpec('); j=s.index(');\n', i)
s=s[:j]+''')
{
    public bool Equals(MethodSpec? other) => other is not null;

    public override int GetHashCode() => 0;
}
'''+s[j+3:]
open(p,'w').write(s)
PY
  ;;
  M3) python3 - <<'PY'
p='generator/Model/MethodSpec.cs'; s=open(p).read()
i=s.index('internal sealed record MethodSpec('); j=s.index(');\n', i)
s=s[:j]+''')
{
    public object? Origin { get; init; }
}
'''+s[j+3:]
open(p,'w').write(s)
p='generator/CacheGenGenerator.Parser.cs'; s=open(p).read()
s=s.replace('''            var spec = common.Body == MethodBody.Generated ? common with { Invalidations = new EquatableArray<InvalidationSpec>(invalidations) } : common;''','''            var spec = (common.Body == MethodBody.Generated ? common with { Invalidations = new EquatableArray<InvalidationSpec>(invalidations) } : common) with { Origin = method };''',1)
open(p,'w').write(s)
PY
  ;;
esac
git diff --quiet -- generator/ && { echo "mutation $1 did not apply (the generator source changed?): update this script"; exit 3; }
git diff --stat generator/
dotnet build tests/CacheGen.Generator.Tests -c Release 2>&1 | grep -E " error " | sort -u | head -5 | grep . && { echo BUILD FAILED; git checkout -- generator/; exit 1; }
dotnet test tests/CacheGen.Generator.Tests -c Release --no-build --filter "FullyQualifiedName~IncrementalTests" 2>&1 | grep -E "^\s+(Passed|Failed) |^(Passed|Failed)!|Assert|Expected|Actual" | cut -c1-250
git checkout -- generator/
git diff --stat generator/
