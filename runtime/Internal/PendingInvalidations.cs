using System.Collections.Concurrent;

namespace CacheGen.Internal;

/// <summary>What an invalidation drops.</summary>
internal enum InvalidationKind
{
    Key,
    Namespace,
    Tag,
}

/// <summary>One invalidation; <see cref="Target"/> is the full key, the namespace, or the escaped tag.</summary>
internal readonly record struct Invalidation(InvalidationKind Kind, string Namespace, string Target)
{
    public string Id => Kind switch
    {
        InvalidationKind.Key => "k:" + Target,
        InvalidationKind.Namespace => "n:" + Target,
        _ => "t:" + Target,
    };
}

/// <summary>
/// Invalidations that failed, kept for replay: bounded, deduplicated by target. While one is pending, reads
/// it affects bypass the store, so a value it should have removed is never served.
/// </summary>
internal sealed class PendingInvalidations
{
    private readonly ConcurrentDictionary<string, Invalidation> _items = new(StringComparer.Ordinal);
    private readonly int _max;

    public PendingInvalidations(int max) => _max = max;

    public int Count => _items.Count;

    /// <summary>Queues <paramref name="invalidation"/>; false when the queue is full.</summary>
    public bool TryAdd(Invalidation invalidation) =>
        _items.Count < _max ? _items.TryAdd(invalidation.Id, invalidation) || true : _items.ContainsKey(invalidation.Id);

    public void Remove(Invalidation invalidation) => _items.TryRemove(new KeyValuePair<string, Invalidation>(invalidation.Id, invalidation));

    public Invalidation[] Snapshot() => _items.Values.ToArray();

    public bool Affects(string @namespace, string fullKey, string[]? tags)
    {
        if (_items.IsEmpty)
        {
            return false;
        }

        if (_items.ContainsKey("n:" + @namespace) || _items.ContainsKey("k:" + fullKey))
        {
            return true;
        }

        foreach (string tag in tags ?? [])
        {
            if (_items.ContainsKey("t:" + tag))
            {
                return true;
            }
        }

        return false;
    }
}
