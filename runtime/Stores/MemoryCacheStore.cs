using System.Collections.Concurrent;

namespace CacheGen.Stores;

/// <summary>
/// An in-process <see cref="ICacheStore"/>: the default when no Redis is configured. Same semantics as the
/// Redis store (conditional writes, tombstones, stamps), bounded by <see cref="MaxEntries"/>.
/// </summary>
public sealed class MemoryCacheStore : ICacheStore
{
    private readonly ConcurrentDictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    /// <param name="time">The clock for expiry.</param>
    /// <param name="maxEntries">The most entries kept; when full, expired ones are purged and further writes are refused until there is room.</param>
    public MemoryCacheStore(TimeProvider time, int maxEntries = 100_000)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _time = time;
        MaxEntries = maxEntries;
    }

    /// <inheritdoc/>
    public string Name => "memory";

    /// <summary>Gets the most entries kept.</summary>
    public int MaxEntries { get; }

    /// <summary>Gets the number of live and not yet purged entries.</summary>
    public int Count => _items.Count;

    /// <summary>
    /// Gets whether more than one <see cref="CacheClient"/> has used this store (sticky). A client's in-process level
    /// hears only its own invalidations, so it serves nothing once another client shares the store.
    /// </summary>
    internal bool Shared => Volatile.Read(ref _clients) > 1;

    private int _clients;

    /// <summary>
    /// Gets whether this is the store <c>AddCacheGen</c> made because no Redis is configured (not one the application
    /// supplied). While no other client uses it, a <see cref="CacheClient"/> with L1 on keeps the values of its L1
    /// namespaces only in L1 (L1 <em>is</em> the embedded store) and this store holds the rest: L1-off namespaces,
    /// tombstones and stamps. A store the application made and passed in stays a separate store under L1.
    /// </summary>
    internal bool Embedded { get; init; }

    /// <summary>Records that a client uses this store.</summary>
    internal void Attach() => Interlocked.Increment(ref _clients);

    /// <inheritdoc/>
    public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long now = _time.GetTimestamp();
        var stamps = new string?[stampKeys.Count];
        for (int i = 0; i < stamps.Length; i++)
        {
            stamps[i] = Get(stampKeys[i], now) is { } s ? System.Text.Encoding.UTF8.GetString(s) : null;
        }

        return new(new CacheStoreReadResult(Get(key, now), stamps));
    }

    /// <inheritdoc/>
    public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_items)
        {
            long now = _time.GetTimestamp();
            byte[]? current = Get(key, now);
            // the same test as the Redis script: GETRANGE 0 18 of an absent key is empty
            ReadOnlySpan<byte> head = current is null ? default : current.AsSpan(0, Math.Min(current.Length, Internal.Envelope.HeaderLength));
            if (!head.SequenceEqual(expectedHeader.Span) || !HasRoom(key, now))
            {
                return new(false);
            }

            _items[key] = new Item(value, Expiry(now, ttl));
            return new(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_items)
        {
            _items[key] = new Item(tombstone, Expiry(_time.GetTimestamp(), tombstoneTtl));
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_items)
        {
            long now = _time.GetTimestamp();
            if (_items.TryGetValue(stampKey, out var item) && item.ExpiresAt > now)
            {
                return new ValueTask<string>(System.Text.Encoding.UTF8.GetString(item.Value));
            }

            _items[stampKey] = new Item(System.Text.Encoding.UTF8.GetBytes(candidate), Expiry(now, ttl));
            return new ValueTask<string>(candidate);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_items)
        {
            _items[stampKey] = new Item(System.Text.Encoding.UTF8.GetBytes(stamp), Expiry(_time.GetTimestamp(), ttl));
        }

        return default;
    }

    /// <inheritdoc/>
    /// <remarks>Matches with Redis's own glob rules (<c>SCAN … MATCH</c>) on the UTF-8 key, so both stores delete the same keys.</remarks>
    public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] glob = System.Text.Encoding.UTF8.GetBytes(pattern);
        long now = _time.GetTimestamp();
        long removed = 0;
        int seen = 0;
        foreach (var pair in _items)
        {
            if ((++seen & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // an expired item is gone for Redis too: purge it without counting it
            if (Internal.GlobPattern.IsMatch(glob, pair.Key) && _items.TryRemove(pair) && pair.Value.ExpiresAt > now)
            {
                removed++;
            }
        }

        return new(removed);
    }

    private byte[]? Get(string key, long now) =>
        _items.TryGetValue(key, out var item) && item.ExpiresAt > now ? item.Value : null;

    private long Expiry(long now, TimeSpan ttl) => now + (long)(ttl.TotalSeconds * _time.TimestampFrequency);

    private bool HasRoom(string key, long now)
    {
        if (_items.Count < MaxEntries || _items.ContainsKey(key))
        {
            return true;
        }

        foreach (var pair in _items)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _items.TryRemove(pair);
            }
        }

        return _items.Count < MaxEntries;
    }

    private readonly record struct Item(byte[] Value, long ExpiresAt);
}
