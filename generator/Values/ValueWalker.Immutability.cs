using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator.Values;

/// <summary>The value walk: whether a value is deeply immutable (joiners of a concurrent miss may then share it).</summary>
internal sealed partial class ValueWalker
{
    private readonly Dictionary<string, bool> _immutable = new(StringComparer.Ordinal);

    private bool IsImmutable(string id, HashSet<string> visiting)
    {
        if (_immutable.TryGetValue(id, out bool known))
        {
            return known;
        }

        if (!visiting.Add(id))
        {
            return true;
        }

        var spec = _types[id];
        bool result = spec.Kind switch
        {
            ValueShapeKind.Scalar => spec.Scalar != "Bytes",
            ValueShapeKind.Enum => true,
            ValueShapeKind.Nullable => IsImmutable(spec.Element!, visiting),
            ValueShapeKind.Array => false,
            ValueShapeKind.Collection or ValueShapeKind.Dictionary => s_immutableBuilds.Contains(spec.Build!) && IsImmutable(spec.Element!, visiting) && (spec.Key is null || IsImmutable(spec.Key, visiting)),
            _ => CasesAreImmutable(spec, id, visiting),
        };
        visiting.Remove(id);
        _immutable[id] = result;
        return result;
    }

    private bool CasesAreImmutable(ValueTypeSpec spec, string id, HashSet<string> visiting)
    {
        foreach (string c in spec.Cases)
        {
            if (!(c == id ? ObjectIsImmutable(spec, visiting) : IsImmutable(c, visiting)))
            {
                return false;
            }
        }

        return true;
    }

    private bool ObjectIsImmutable(ValueTypeSpec spec, HashSet<string> visiting)
    {
        if (!_readOnlyState.Contains(spec.Id))
        {
            return false;
        }

        foreach (var m in spec.Members)
        {
            if (!IsImmutable(m.TypeId, visiting))
            {
                return false;
            }
        }

        return true;
    }

    private readonly HashSet<string> _readOnlyState = new(StringComparer.Ordinal);
}
