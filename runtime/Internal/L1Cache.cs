using System.Collections.Concurrent;

namespace CacheGen.Internal;

/// <summary>
/// The in-process level: a bounded map from full key to a value kept as the instance (deeply immutable types) or as
/// its serialized bytes, with the invalidation versions it was validated under.
/// <para>
/// Versions are local counters, bumped by every invalidation this process makes or hears of on the backplane: one
/// per namespace, one per tag, one per stripe of keys (a key invalidation bumps its stripe), and one for everything
/// (clear, pattern deletes, a backplane that lost messages). A lookup takes a <see cref="Snapshot"/> of the versions
/// that concern its key before it reads the store; the entry it stores carries that snapshot, and is served only
/// while every version is unchanged. So a value read before an invalidation was heard of is never served after it,
/// however the read and the message interleave, and an invalidation costs O(1) whatever L1 holds.
/// </para>
/// <para>
/// Ours, not <c>Microsoft.Extensions.Caching.Memory</c>: its <c>SizeLimit</c> is one dimension (we bound entries and
/// bytes), a full cache refuses new entries and compacts in the background, and its entries cannot carry the
/// versions above without a wrapper per hit.
/// </para>
/// </summary>
internal sealed class L1Cache
{
    private const int StripeCount = 4096;

    /// <summary>How far (ms, on the real clock) an entry's recency must have moved before a hit writes it.</summary>
    private const long RecencyStepMs = 100;

    /// <summary>What one entry costs beyond its value and key (the entry object, the map node).</summary>
    private const int EntryOverhead = 96;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly ConcurrentDictionary<string, Cell> _namespaces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cell> _tags = new(StringComparer.Ordinal);
    private readonly long[] _stripes = new long[StripeCount];
    private readonly Lock _evictLock = new();
    private readonly Lock _tagPruneLock = new();
    private readonly int _maxTagCells;
    private int _tagCells;
    private long _tagClock;
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;

    /// <summary>
    /// Whether <see cref="_time"/> is the real clock: then expiry and recency are read from
    /// <see cref="Environment.TickCount64"/> (milliseconds, the cheapest clock there is; a hit reads it once), else
    /// expiry from <see cref="_time"/>'s timestamps (a test's clock).
    /// </summary>
    private readonly bool _realClock;
    private long _all;
    private long _bytes;
    private long _evictions;

    /// <param name="maxEntries">The most entries held.</param>
    /// <param name="maxBytes">The most bytes counted for the entries held.</param>
    /// <param name="time">The clock of expiry.</param>
    /// <param name="maxTagCells">The most tag counters kept (a tag per rack id must not grow the map forever); 0 for four per entry, at least 1,024.</param>
    public L1Cache(int maxEntries, long maxBytes, TimeProvider time, int maxTagCells = 0)
    {
        _maxEntries = Math.Max(1, maxEntries);
        _maxTagCells = maxTagCells > 0 ? maxTagCells : Math.Max(1024, 4 * _maxEntries);
        _maxBytes = Math.Max(1024, maxBytes);
        _time = time;
        _realClock = ReferenceEquals(time, TimeProvider.System);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the number of entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Gets the bytes counted for the entries held.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Gets the number of tag counters kept (at most about the bound, see <see cref="PruneTags"/>).</summary>
    public int TagCells => Volatile.Read(ref _tagCells);

    /// <summary>Gets how many entries were evicted for the bounds.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Gets the all-counter (a clear, an epoch change, a backplane resynchronisation bump it): read-only, for local stamp copies.</summary>
    public long AllVersion => Volatile.Read(ref _all);

    /// <summary>The versions that concern one key, taken before the store is read.</summary>
    public Snapshot Take(string @namespace, string fullKey, string[]? tags)
    {
        int stripe = (StringComparer.Ordinal.GetHashCode(fullKey) & int.MaxValue) % StripeCount;
        var ns = Scope(_namespaces, @namespace);
        Cell[]? tagCells = null;
        long[]? tagVersions = null;
        if (tags is { Length: > 0 })
        {
            tagCells = new Cell[tags.Length];
            tagVersions = new long[tags.Length];
            for (int i = 0; i < tags.Length; i++)
            {
                tagCells[i] = TagCell(tags[i]);
            }
        }

        // the counters are read after every cell exists, each once; a bump after this read makes the snapshot stale
        var snapshot = new Snapshot(Volatile.Read(ref _all), ns, Volatile.Read(ref ns.Version), stripe, Volatile.Read(ref _stripes[stripe]), tagCells, tagVersions);
        for (int i = 0; i < (tagCells?.Length ?? 0); i++)
        {
            tagVersions![i] = Volatile.Read(ref tagCells![i].Version);
        }

        return snapshot;
    }

    /// <summary>The entry under <paramref name="fullKey"/> if it belongs to <paramref name="method"/>, has not expired and no invalidation has touched it.</summary>
    public Entry? Get(string fullKey, CachedMethod method) => Get(fullKey.AsSpan(), method);

    /// <summary>
    /// As <see cref="Get(string, CachedMethod)"/>, for a full key the caller wrote into a buffer: a hit looks the entry
    /// up without making the key string (the entry holds it).
    /// </summary>
    public Entry? Get(ReadOnlySpan<char> fullKey, CachedMethod method) => Get(fullKey, method, Now());

    /// <summary>
    /// As <see cref="Get(ReadOnlySpan{char}, CachedMethod)"/> at <paramref name="now"/>, read from <see cref="Now"/> by
    /// the caller (a hit in front of Redis reads the clock once, for the backplane's lease and for expiry).
    /// </summary>
    public Entry? Get(ReadOnlySpan<char> fullKey, CachedMethod method, long now)
    {
        if (!_bySpan.TryGetValue(fullKey, out var entry) || !ReferenceEquals(entry.Method, method))
        {
            return null;
        }

        if (IsDead(entry, now))
        {
            Remove(entry.FullKey, entry);
            return null;
        }

        if (_realClock)
        {
            // recency for eviction, written only when it moved by a step: a hit does not write the entry's cache line
            // that every core reading the entry shares (LRU order within a step is arbitrary)
            if (now - entry.LastUsed >= RecencyStepMs)
            {
                entry.LastUsed = now;
            }
        }
        else
        {
            // a test's manual clock may stand still: recency from the real one
            entry.LastUsed = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        return entry;
    }

    /// <summary>
    /// Stores an entry validated under <paramref name="snapshot"/>, unless an invalidation came since (then nothing is
    /// stored). <paramref name="completedTask"/>: a completed <c>Task&lt;T&gt;</c> of <paramref name="instance"/> (see
    /// <see cref="Entry.CompletedTask"/>), made by the caller, which knows T; else a hit makes it.
    /// </summary>
    public void Set(string fullKey, CachedMethod method, string[]? tags, Snapshot snapshot, bool hasInstance, object? instance, byte[]? bytes, long valueBytes, TimeSpan ttl, long createdUnixMs = 0, object? completedTask = null)
    {
        if (ttl <= TimeSpan.Zero || !IsCurrent(snapshot))
        {
            return;
        }

        long now = Now();
        long size = EntryOverhead + (fullKey.Length * 2) + valueBytes;
        if (size > _maxBytes)
        {
            return;
        }

        // the key copied here, then the entry, then (in AddOrUpdate) the map's node: made one after another, so they lie
        // side by side in memory (the GC keeps survivors in allocation order), and a hit's key compare, entry and task
        // read neighbouring lines instead of objects made at different times of the miss (the lookup's key string was
        // made before the store read, with the read's and the value's objects in between)
        string key = new(fullKey.AsSpan());
        var entry = new Entry(key, method, tags, snapshot, hasInstance, instance, bytes, size, now + (long)(ttl.TotalSeconds * (_realClock ? 1000 : _time.TimestampFrequency)), createdUnixMs)
        {
            LastUsed = _realClock ? now : System.Diagnostics.Stopwatch.GetTimestamp(),
            CompletedTask = completedTask,
        };
        Interlocked.Add(ref _bytes, size);
        _entries.AddOrUpdate(key, entry, (_, old) =>
        {
            Interlocked.Add(ref _bytes, -old.Size);
            return entry;
        });

        if (_entries.Count > _maxEntries || Interlocked.Read(ref _bytes) > _maxBytes)
        {
            Evict();
        }
    }

    /// <summary>A key was invalidated (here or in another process).</summary>
    public void InvalidateKey(string fullKey)
    {
        int stripe = (StringComparer.Ordinal.GetHashCode(fullKey) & int.MaxValue) % StripeCount;
        Interlocked.Increment(ref _stripes[stripe]);
        if (_entries.TryRemove(fullKey, out var old))
        {
            Interlocked.Add(ref _bytes, -old.Size);
        }
    }

    /// <summary>A namespace was invalidated.</summary>
    public void InvalidateNamespace(string @namespace) => Interlocked.Increment(ref Scope(_namespaces, @namespace).Version);

    /// <summary>A tag was invalidated.</summary>
    public void InvalidateTag(string tag) => Interlocked.Increment(ref TagCell(tag).Version);

    /// <summary>Everything goes: a clear, a pattern delete, or messages that may have been lost.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _all);
        foreach (var pair in _entries)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    /// <summary>Now, in the unit of <see cref="Entry.ExpiresAt"/>: milliseconds on the real clock, else <see cref="_time"/>'s timestamp ticks.</summary>
    public long Now() => _realClock ? Environment.TickCount64 : _time.GetTimestamp();

    /// <summary>Whether nothing <paramref name="s"/> covers has been invalidated since it was taken (<see cref="Set"/> checks it again).</summary>
    public bool IsCurrent(Snapshot s) => IsCurrent(s.All, s.Namespace, s.NamespaceVersion, s.Stripe, s.StripeVersion, s.Tags, s.TagVersions);

    /// <summary>The counter of <paramref name="tag"/>, made when first asked for; past the bound, the least recently taken half is retired.</summary>
    private Cell TagCell(string tag)
    {
        if (!_tags.TryGetValue(tag, out var cell))
        {
            var made = new Cell();
            cell = _tags.GetOrAdd(tag, made);
            if (ReferenceEquals(cell, made) && Interlocked.Increment(ref _tagCells) > _maxTagCells)
            {
                PruneTags();
            }
        }

        cell.LastTaken = Interlocked.Increment(ref _tagClock);
        return cell;
    }

    /// <summary>
    /// Retires the least recently taken half of the tag counters. A retired counter never compares current again, so
    /// an entry or a lookup that holds it is not served or kept (the next lookup reads the store and takes a new
    /// counter): forgetting a tag's version can cost hits, never serve a value its invalidation removed.
    /// </summary>
    private void PruneTags()
    {
        if (!_tagPruneLock.TryEnter())
        {
            return; // another caller is pruning
        }

        try
        {
            var cells = _tags.ToArray();
            if (cells.Length <= _maxTagCells)
            {
                return;
            }

            Array.Sort(cells, static (a, b) => a.Value.LastTaken.CompareTo(b.Value.LastTaken));
            for (int i = 0; i < cells.Length - (_maxTagCells / 2); i++)
            {
                // retired before it leaves the map: whoever still holds it sees it retired
                Volatile.Write(ref cells[i].Value.Retired, true);
                if (_tags.TryRemove(cells[i]))
                {
                    Interlocked.Decrement(ref _tagCells);
                }
            }
        }
        finally
        {
            _tagPruneLock.Exit();
        }
    }

    private static Cell Scope(ConcurrentDictionary<string, Cell> scopes, string name) =>
        scopes.TryGetValue(name, out var cell) ? cell : scopes.GetOrAdd(name, static _ => new Cell());

    /// <summary>Removes <paramref name="entry"/> if it is still the one under <paramref name="fullKey"/>, and its bytes; false when it was not.</summary>
    private bool Remove(string fullKey, Entry entry)
    {
        if (!_entries.TryRemove(new KeyValuePair<string, Entry>(fullKey, entry)))
        {
            return false;
        }

        Interlocked.Add(ref _bytes, -entry.Size);
        return true;
    }

    /// <summary>Whether <paramref name="entry"/> can no longer be served at <paramref name="now"/>: expired, or something it covers was invalidated.</summary>
    private bool IsDead(Entry entry, long now) => now >= entry.ExpiresAt || !IsCurrent(entry);

    /// <summary>
    /// As <see cref="IsCurrent(Snapshot)"/>, for the versions <paramref name="e"/> was validated under, which it carries
    /// in its own fields: a hit reads no second object (the snapshot was one more dependent cache miss per hit, and
    /// under 64 callers on 10,000 keys its check was 15% of the hit in perf).
    /// </summary>
    private bool IsCurrent(Entry e) => IsCurrent(e.All, e.Namespace, e.NamespaceVersion, e.Stripe, e.StripeVersion, e.TagCells, e.TagVersions);

    /// <summary>Whether no invalidation came since these versions were read: everything, the namespace, the key's stripe, each tag (and no tag cell retired).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool IsCurrent(long all, Cell @namespace, long namespaceVersion, int stripe, long stripeVersion, Cell[]? tags, long[]? tagVersions)
    {
        if (all != Volatile.Read(ref _all) || namespaceVersion != Volatile.Read(ref @namespace.Version) || stripeVersion != Volatile.Read(ref _stripes[stripe]))
        {
            return false;
        }

        if (tags is not null)
        {
            for (int i = 0; i < tags.Length; i++)
            {
                if (tagVersions![i] != Volatile.Read(ref tags[i].Version) || Volatile.Read(ref tags[i].Retired))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Drops expired and invalidated entries, then the least recently used, down to 90% of both bounds.</summary>
    private void Evict()
    {
        if (!_evictLock.TryEnter())
        {
            return; // another caller is evicting; the bound is exceeded by at most the entries added meanwhile
        }

        try
        {
            long now = Now();
            var live = new List<KeyValuePair<string, Entry>>(_entries.Count);
            foreach (var pair in _entries)
            {
                if (IsDead(pair.Value, now))
                {
                    Remove(pair.Key, pair.Value);
                }
                else
                {
                    live.Add(pair);
                }
            }

            int targetCount = (int)(_maxEntries * 0.9);
            long targetBytes = (long)(_maxBytes * 0.9);
            if (_entries.Count <= targetCount && Interlocked.Read(ref _bytes) <= targetBytes)
            {
                return;
            }

            live.Sort(static (a, b) => a.Value.LastUsed.CompareTo(b.Value.LastUsed));
            foreach (var pair in live)
            {
                if (_entries.Count <= targetCount && Interlocked.Read(ref _bytes) <= targetBytes)
                {
                    break;
                }

                Remove(pair.Key, pair.Value);
                Interlocked.Increment(ref _evictions);
            }
        }
        finally
        {
            _evictLock.Exit();
        }
    }

    /// <summary>A namespace's or tag's invalidation counter.</summary>
    internal sealed class Cell
    {
        public long Version;

        /// <summary>When a lookup last took it (a count of takes), for pruning.</summary>
        public long LastTaken;

        /// <summary>Whether the cell left the map (<see cref="PruneTags"/>): no snapshot holding it is current.</summary>
        public bool Retired;
    }

    /// <summary>The versions a lookup saw before it read the store.</summary>
    internal sealed record Snapshot(long All, Cell Namespace, long NamespaceVersion, int Stripe, long StripeVersion, Cell[]? Tags, long[]? TagVersions);

    /// <summary>
    /// One value in the process, with the versions it was validated under (the <see cref="Snapshot"/> its lookup took,
    /// copied into the entry's own fields so that a hit's check reads one object).
    /// </summary>
    internal sealed class Entry(string fullKey, CachedMethod method, string[]? tags, Snapshot validated, bool hasInstance, object? instance, byte[]? bytes, long size, long expiresAt, long createdUnixMs)
    {
        /// <summary>Gets the full key the entry is stored under (a hit needs it only for traces and queued invalidations).</summary>
        public string FullKey { get; } = fullKey;

        public CachedMethod Method { get; } = method;

        public string[]? Tags { get; } = tags;

        /// <summary>Gets whether <see cref="Instance"/> is the value (a deeply immutable type), rather than <see cref="Bytes"/>.</summary>
        public bool HasInstance { get; } = hasInstance;

        public object? Instance { get; } = instance;

        public byte[]? Bytes { get; } = bytes;

        public long Size { get; } = size;

        public long ExpiresAt { get; } = expiresAt;

        /// <summary>Gets when the store's entry was written (Unix ms), for the remaining TTL a hit reports.</summary>
        public long CreatedUnixMs { get; } = createdUnixMs;

        /// <summary>Gets the all-counter it was validated under (<see cref="Snapshot.All"/>, as the versions below: see <see cref="IsCurrent(Entry)"/>).</summary>
        public long All { get; } = validated.All;

        public Cell Namespace { get; } = validated.Namespace;

        public long NamespaceVersion { get; } = validated.NamespaceVersion;

        public int Stripe { get; } = validated.Stripe;

        public long StripeVersion { get; } = validated.StripeVersion;

        public Cell[]? TagCells { get; } = validated.Tags;

        public long[]? TagVersions { get; } = validated.TagVersions;

        public long LastUsed;

        /// <summary>
        /// A completed <c>Task&lt;T&gt;</c> of <see cref="Instance"/>, so that hits of a <c>Task</c>-returning method allocate
        /// nothing: made by <see cref="Set"/>'s caller next to the entry (it knows T), else on the first hit that asks.
        /// </summary>
        public object? CompletedTask;
    }

    // ---- L1 as the embedded store (no Redis): the operator surface over what L1 holds ----

    /// <summary>
    /// Removes the entries whose full key matches the Redis glob <paramref name="glob"/> (UTF-8, <see cref="GlobPattern"/>'s
    /// rules, as the in-memory store and Redis match) and returns how many of them were live (not expired, not
    /// invalidated): a dead entry is gone for a reader already, as an expired key is for Redis.
    /// </summary>
    public long RemoveMatching(byte[] glob, CancellationToken cancellationToken)
    {
        long now = Now();
        long removed = 0;
        int seen = 0;
        foreach (var pair in _entries)
        {
            if ((++seen & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (GlobPattern.IsMatch(glob, pair.Key) && Remove(pair.Key, pair.Value) && !IsDead(pair.Value, now))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Drops the expired and invalidated entries, then returns the number of entries and the bytes counted for them.</summary>
    public (int Entries, long Bytes) Live()
    {
        long now = Now();
        foreach (var pair in _entries)
        {
            if (IsDead(pair.Value, now))
            {
                Remove(pair.Key, pair.Value);
            }
        }

        return (_entries.Count, Interlocked.Read(ref _bytes));
    }
}
