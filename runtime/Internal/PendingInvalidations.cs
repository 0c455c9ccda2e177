using System.Collections.Concurrent;

namespace CacheGen.Internal;

/// <summary>What an invalidation drops.</summary>
internal enum InvalidationKind
{
    /// <summary>One entry: a tombstone replaces it.</summary>
    Key,

    /// <summary>Every entry of a namespace: its stamp gets a new value.</summary>
    Namespace,

    /// <summary>Every entry carrying a tag, in any namespace: the tag's stamp gets a new value.</summary>
    Tag,

    /// <summary>Every entry under the prefix: the prefix's epoch (<c>{prefix}:%epoch</c>) gets a new value.</summary>
    Epoch,
}

/// <summary>
/// One invalidation; <see cref="Target"/> is the full key, the namespace, the escaped tag, or empty for the epoch.
/// <see cref="Namespace"/> is empty for a tag and the epoch.
/// </summary>
internal readonly record struct Invalidation(InvalidationKind Kind, string Namespace, string Target)
{
    /// <summary>The invalidation of the whole prefix, which covers every other.</summary>
    public static Invalidation Epoch => new(InvalidationKind.Epoch, string.Empty, string.Empty);

    public string Id => Kind switch
    {
        InvalidationKind.Key => KeyId(Target),
        InvalidationKind.Namespace => NamespaceId(Target),
        InvalidationKind.Tag => TagId(Target),
        _ => EpochId,
    };

    /// <summary>The scope logs and metrics name: the namespace, <c>tag</c>, or <c>*</c> for the epoch.</summary>
    public string Scope => Kind switch
    {
        InvalidationKind.Tag => "tag",
        InvalidationKind.Epoch => "*",
        _ => Namespace,
    };

    /// <summary>
    /// The coarser invalidation that covers this one: the namespace for a key, the epoch for a tag (tags span
    /// namespaces). What an overflow falls back to.
    /// </summary>
    public Invalidation Widened => Kind switch
    {
        InvalidationKind.Key => new(InvalidationKind.Namespace, Namespace, Namespace),
        InvalidationKind.Namespace => this,
        _ => Epoch,
    };

    internal const string EpochId = "e:";

    internal static string KeyId(string fullKey) => "k:" + fullKey;

    internal static string NamespaceId(string @namespace) => "n:" + @namespace;

    internal static string TagId(string tag) => "t:" + tag;
}

/// <summary>What <see cref="PendingInvalidations.Add"/> did.</summary>
internal enum PendingAddResult
{
    /// <summary>Queued as it is (or it replaced a queued invalidation of the same target).</summary>
    Queued,

    /// <summary>The queue was full: its namespace (a key) or the epoch (a tag) was queued instead.</summary>
    Widened,
}

/// <summary>
/// Invalidations that have not reached the store yet, kept for replay. While one is pending, reads it affects bypass
/// the store, so a value it should have removed is never served (docs/design.md S13, S27).
/// </summary>
/// <remarks>
/// <para>Each add gets a new sequence number, and a replayed invalidation leaves the queue only if its entry is still
/// the one the replay sent (<see cref="Remove"/>): a second invalidation of the same target that arrives while the
/// first is being replayed is kept, never merged into it and removed with it.</para>
/// <para>Bounded: past <c>max</c> queued invalidations, a key's invalidation is queued as its namespace's and a tag's
/// as the epoch's (the whole prefix), which cover it. Once Redis takes them, every process misses those entries,
/// through Redis itself; until then this process bypasses the store for them. Namespaces queued this way are bounded
/// too (<see cref="MaxWidened"/>), past which the epoch is queued. Nothing is ever dropped.</para>
/// </remarks>
internal sealed class PendingInvalidations
{
    /// <summary>The most widened namespace invalidations queued past the bound; more than this queue the epoch.</summary>
    internal const int MaxWidened = 1024;

    private readonly ConcurrentDictionary<string, Entry> _items = new(StringComparer.Ordinal);
    private readonly int _max;
    private long _sequence;
    private int _widened;
    private int _overflowing;

    /// <summary>At least the number of entries held (exact when no add or remove is under way): zero means none.</summary>
    private int _queued;

    public PendingInvalidations(int max) => _max = max;

    public int Count => _items.Count;

    /// <summary>Queues <paramref name="invalidation"/>, or the coarser one that covers it when the queue is full.</summary>
    public PendingAddResult Add(Invalidation invalidation)
    {
        string id = invalidation.Id;
        if (_items.Count < _max || _items.ContainsKey(id))
        {
            Put(id, invalidation);
            return PendingAddResult.Queued;
        }

        var wide = invalidation.Widened;
        if (wide.Kind == InvalidationKind.Namespace && !_items.ContainsKey(wide.Id)
            && (_items.ContainsKey(Invalidation.EpochId) || Interlocked.Increment(ref _widened) > MaxWidened))
        {
            // the epoch is queued already (it covers every namespace), or too many namespaces were widened
            wide = Invalidation.Epoch;
        }

        Put(wide.Id, wide);
        return PendingAddResult.Widened;
    }

    /// <summary>
    /// Marks the queue as overflowing; <see langword="true"/> for the first widened invalidation since the queue was last
    /// empty (it is logged as an Error, later ones at Debug).
    /// </summary>
    public bool BeginOverflow() => Interlocked.Exchange(ref _overflowing, 1) == 0;

    /// <summary>Removes <paramref name="entry"/> if no newer invalidation of its target was queued since it was read.</summary>
    public bool Remove(Entry entry)
    {
        bool removed = _items.TryRemove(new KeyValuePair<string, Entry>(entry.Invalidation.Id, entry));
        if (removed)
        {
            Interlocked.Decrement(ref _queued);
        }

        if (removed && _items.IsEmpty)
        {
            // the widened namespaces were all sent: the overflow is over
            Volatile.Write(ref _widened, 0);
            Volatile.Write(ref _overflowing, 0);
        }

        return removed;
    }

    /// <summary>The queued invalidations, widest first (the epoch, tags, namespaces, keys), each kind in the order queued.</summary>
    public Entry[] Snapshot()
    {
        var entries = _items.Values.ToArray();
        Array.Sort(entries, static (a, b) => b.Invalidation.Kind.CompareTo(a.Invalidation.Kind) is int c and not 0 ? c : a.Sequence.CompareTo(b.Sequence));
        return entries;
    }

    public bool Affects(string @namespace, string fullKey, string[]? tags)
    {
        // every read asks (an L1 hit too): a counter, not IsEmpty, which takes every lock of an empty dictionary
        if (Volatile.Read(ref _queued) == 0)
        {
            return false;
        }

        if (_items.ContainsKey(Invalidation.EpochId) || _items.ContainsKey(Invalidation.NamespaceId(@namespace)) || _items.ContainsKey(Invalidation.KeyId(fullKey)))
        {
            return true;
        }

        foreach (string tag in tags ?? [])
        {
            if (_items.ContainsKey(Invalidation.TagId(tag)))
            {
                return true;
            }
        }

        return false;
    }

    private void Put(string id, Invalidation invalidation)
    {
        var entry = new Entry(invalidation, Interlocked.Increment(ref _sequence));

        // counted before it is visible, uncounted after it is gone: _queued is never below the entries held
        Interlocked.Increment(ref _queued);
        while (true)
        {
            if (_items.TryAdd(id, entry))
            {
                return;
            }

            if (_items.TryGetValue(id, out var old) && _items.TryUpdate(id, entry, old))
            {
                Interlocked.Decrement(ref _queued); // replaced one already counted
                return;
            }
        }
    }

    /// <summary>One queued invalidation and the sequence number of the add that queued it.</summary>
    internal sealed record Entry(Invalidation Invalidation, long Sequence);
}
