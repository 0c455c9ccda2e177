using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace CacheGen.Generator.Values;

/// <summary>
/// The value walk, once per object type and compilation: services return the same DTOs from many methods (a list,
/// an array, a nullable and a plain result of one record), and both the generator and the analyzers walked each of
/// them again for every method. An object type's walk is kept when it stands on its own, so reusing it gives the
/// graph, fingerprints and facts the walk would give again, whatever walk reaches the type.
/// </summary>
internal sealed partial class ValueWalker
{
    // per assembly (so per compilation, held weakly: nothing outlives its symbols), per mode (ids differ), per type
    // compared with its nullability (two equal symbols walk the same)
    private static readonly ConditionalWeakTable<IAssemblySymbol, Memo> s_memos = new();

    // the object types whose standalone walk is under way in this chain of walkers (a type reached again inside its
    // own standalone walk is walked in place, not reused)
    private readonly HashSet<ITypeSymbol> _reusing;

    // whether a type was reached again before its walk ended: such a walk is not reused (see TryReuse)
    private bool _sawCycle;

    /// <summary>
    /// Adds <paramref name="type"/>'s whole walk to this one from the memo (walking it alone first if this compilation
    /// has not), and returns true; false when that walk failed or reached a type again before it ended: then the
    /// caller walks the type in place, so the problem names this walk's path and a cycle is judged from where this
    /// walk entered it, exactly as without the memo.
    /// </summary>
    /// <remarks>
    /// Why a reused walk is the walk in place: a standalone walk that reached no type twice while walking it saw an
    /// acyclic part of the type graph. In place, a type of that part is either new (walked the same way: every step
    /// depends only on the type and the assembly), already in this graph (the same spec and id, by the same rule), or
    /// in the middle of its walk, which would make it reach this type and so close a cycle the standalone walk would
    /// have seen. Derived types are part of the walk (KnownDerivedTypes), so the same holds for them.
    /// </remarks>
    private bool TryReuse(INamedTypeSymbol type, string id)
    {
        var memo = s_memos.GetValue(_assembly, static _ => new Memo());
        var table = _problemsOnly ? memo.ProblemsOnly : memo.Full;
        if (!table.TryGetValue(type, out var closure))
        {
            if (!_reusing.Add(type))
            {
                return false;
            }

            try
            {
                var alone = new ValueWalker(_assembly, _problemsOnly, _ct, _reusing);
                string? aloneId = alone.Visit(type, string.Empty, nonNullable: false);
                closure = aloneId == id && alone._problem is null && !alone._sawCycle ? new Closure(alone) : Closure.None;
            }
            finally
            {
                _reusing.Remove(type);
            }

            closure = table.GetOrAdd(type, closure);
        }

        if (closure.Types is null)
        {
            return false;
        }

        foreach (var pair in closure.Types)
        {
            if (!_types.ContainsKey(pair.Key))
            {
                _types[pair.Key] = pair.Value;
            }
        }

        foreach (var pair in closure.Fingerprints)
        {
            if (!_fingerprints.ContainsKey(pair.Key))
            {
                _fingerprints[pair.Key] = pair.Value;
            }
        }

        foreach (string readOnly in closure.ReadOnlyState)
        {
            _readOnlyState.Add(readOnly);
        }

        return true;
    }

    private sealed class Memo
    {
        public ConcurrentDictionary<ITypeSymbol, Closure> Full { get; } = new(SymbolEqualityComparer.IncludeNullability);

        public ConcurrentDictionary<ITypeSymbol, Closure> ProblemsOnly { get; } = new(SymbolEqualityComparer.IncludeNullability);
    }

    /// <summary>A standalone walk of an object type: every type it reached, their fingerprints, which have read-only state.</summary>
    private sealed class Closure
    {
        public static readonly Closure None = new();

        public Closure(ValueWalker walk)
        {
            Types = new List<KeyValuePair<string, ValueTypeSpec>>(walk._types);
            Fingerprints = new List<KeyValuePair<string, string>>(walk._fingerprints);
            ReadOnlyState = new List<string>(walk._readOnlyState);
        }

        private Closure()
        {
            Fingerprints = new List<KeyValuePair<string, string>>();
            ReadOnlyState = new List<string>();
        }

        public List<KeyValuePair<string, ValueTypeSpec>>? Types { get; }

        public List<KeyValuePair<string, string>> Fingerprints { get; }

        public List<string> ReadOnlyState { get; }
    }
}
