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

/// <summary>The value walk: types that can never round-trip, with the reason CGEN025 gives.</summary>
internal sealed partial class ValueWalker
{
    private static string? UnsupportedReason(ITypeSymbol type)
    {
        if (type.IsRefLikeType || type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "a ref struct or pointer cannot outlive the call";
        }

        if (type.TypeKind == TypeKind.Delegate)
        {
            return "a delegate is code, not data";
        }

        if (type.SpecialType == SpecialType.System_Object || type.TypeKind == TypeKind.Dynamic)
        {
            return "'object' says nothing about what it holds, so it cannot be read back as the same value";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native-sized integer or handle means nothing in another process";
        }

        // names compared without formatting them: this runs for every type of every cached value
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        var definition = named.OriginalDefinition;
        if (IsNamed(definition, "System.Linq.IQueryable`1") || IsNamed(definition, "System.Collections.Generic.IAsyncEnumerable`1"))
        {
            return "a query would cache the query, not its results; return a list or an array";
        }

        if (IsNamed(definition, "System.Threading.Tasks.Task") || IsNamed(definition, "System.Threading.Tasks.Task`1")
            || IsNamed(definition, "System.Threading.Tasks.ValueTask") || IsNamed(definition, "System.Threading.Tasks.ValueTask`1"))
        {
            return "a task is a computation in flight";
        }

        for (var t = named; t is not null; t = t.BaseType)
        {
            if (IsNamed(t, "System.IO.Stream"))
            {
                return "a stream is a handle, not data";
            }
        }

        return null;
    }
}
