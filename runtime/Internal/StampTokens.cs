using System.Collections.Concurrent;
using StackExchange.Redis;

namespace CacheGen.Internal;

/// <summary>
/// Local copies of the stamps a Redis read found (the epoch with a namespace's stamp, and tag stamps), so that a hit can
/// be one plain <c>GET</c> of the entry checked against them instead of an <c>MGET</c> of the entry and its stamps
/// (docs/design.md "The Redis hit path", "Local stamps").
/// <para>
/// A copy is trusted only while all of this holds: the backplane is in sync; no invalidation of its scope was made or
/// heard since the read that found it started (the <see cref="L1Cache"/> versions the backplane bumps: the namespace's
/// or tag's counter, and the all-counter that a clear, an epoch change and every resynchronisation bump); and it is
/// younger than <see cref="CacheGenL1Options.TtlSeconds"/>, so a stamp lost in Redis without an invalidation (evicted,
/// deleted by hand) is honoured within that bound, as for an L1 copy. The versions are read before the read is sent, so
/// a copy read before an invalidation was heard can never be trusted after it, however the reply and the message
/// interleave.
/// </para>
/// </summary>
internal sealed class StampTokens
{
    private readonly L1Cache _l1;
    private readonly RedisBackplane _backplane;
    private readonly TimeProvider _time;
    private readonly long _lifetimeTicks;
    private readonly ConcurrentDictionary<string, Token> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Token> _tags = new(StringComparer.Ordinal);
    private readonly Lock _sweepLock = new();
    private readonly int _maxTags;
    private int _tagCount;

    /// <param name="l1">The versions the backplane bumps.</param>
    /// <param name="backplane">The backplane that must be in sync for a copy to be used.</param>
    /// <param name="time">The clock of the copies' lifetime.</param>
    /// <param name="lifetime">How long a copy is trusted at most, from just before the read that found it.</param>
    /// <param name="maxTags">The most tag copies kept (a tag per rack id must not grow the map forever), as L1's tag counters.</param>
    public StampTokens(L1Cache l1, RedisBackplane backplane, TimeProvider time, TimeSpan lifetime, int maxTags)
    {
        _maxTags = Math.Max(16, maxTags);
        _l1 = l1;
        _backplane = backplane;
        _time = time;
        _lifetimeTicks = (long)(lifetime.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Gets the number of namespace copies held (for tests).</summary>
    internal int ScopeCount => _scopes.Count;

    /// <summary>Drops every copy (tests: a copy that must not exist).</summary>
    internal void Clear()
    {
        _scopes.Clear();
        _tags.Clear();
    }

    /// <summary>
    /// The copies a read of an entry in <paramref name="namespace"/> with <paramref name="tags"/> can be checked against
    /// now, at <paramref name="now"/> (a timestamp of the client's clock): the namespace's <see cref="Token"/> for an
    /// untagged entry, else a <see cref="Token"/>[] of it and then one per tag. False when one is missing or not
    /// trusted, or the backplane is not in sync (then the read fetches the stamps).
    /// </summary>
    public bool TryGet(string @namespace, string[]? tags, long now, out object held)
    {
        held = null!;
        if (!_scopes.TryGetValue(@namespace, out var scope) || !_backplane.IsSynced || !IsTrusted(scope, now))
        {
            return false;
        }

        if (tags is not { Length: > 0 })
        {
            held = scope;
            return true;
        }

        var tokens = new Token[1 + tags.Length];
        tokens[0] = scope;
        for (int i = 0; i < tags.Length; i++)
        {
            if (!_tags.TryGetValue(tags[i], out var tag) || !IsTrusted(tag, now))
            {
                return false;
            }

            tokens[1 + i] = tag;
        }

        held = tokens;
        return true;
    }

    /// <summary>Whether the copies got from <see cref="TryGet"/> are still trusted once the entry's reply is here.</summary>
    public bool StillTrusted(object held)
    {
        long all = _l1.AllVersion;
        if (!_backplane.IsSynced)
        {
            return false;
        }

        if (held is Token scope)
        {
            return Unchanged(scope, all);
        }

        foreach (var token in (Token[])held)
        {
            if (!Unchanged(token, all))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Keeps the stamps of a read's reply (the entry at 0, the epoch at 1, the namespace stamp at 2, then one per tag,
    /// every one present) as copies, under the versions of <paramref name="snapshot"/>, taken before the read was sent
    /// at <paramref name="readAt"/>. Copies equal to those held are kept as they are (no allocation on a steady hit).
    /// </summary>
    public void Keep(string @namespace, string[]? tags, L1Cache.Snapshot snapshot, RedisValue[] reply, long readAt)
    {
        long expiresAt = readAt + _lifetimeTicks;
        ReadOnlySpan<byte> epoch = ((ReadOnlyMemory<byte>)reply[1]).Span;
        ReadOnlySpan<byte> nsStamp = ((ReadOnlyMemory<byte>)reply[2]).Span;
        if (!_scopes.TryGetValue(@namespace, out var held) || !SameScope(held, snapshot, epoch, nsStamp) || held.ExpiresAt < expiresAt - (_lifetimeTicks / 4))
        {
            // "{epoch}/{namespace stamp}", as the envelope records it (KeyLayout.ScopeStamp)
            var value = new byte[epoch.Length + 1 + nsStamp.Length];
            epoch.CopyTo(value);
            value[epoch.Length] = (byte)'/';
            nsStamp.CopyTo(value.AsSpan(epoch.Length + 1));
            _scopes[@namespace] = new Token(value, snapshot.Namespace, snapshot.NamespaceVersion, snapshot.All, expiresAt);
        }

        for (int i = 0; i < (tags?.Length ?? 0); i++)
        {
            ReadOnlySpan<byte> stamp = ((ReadOnlyMemory<byte>)reply[3 + i]).Span;
            var cell = snapshot.Tags![i];
            long version = snapshot.TagVersions![i];
            bool known = _tags.TryGetValue(tags![i], out var tag);
            if (!known || !ReferenceEquals(tag!.Cell, cell) || tag.CellVersion != version
                || tag.All != snapshot.All || !tag.Value.AsSpan().SequenceEqual(stamp) || tag.ExpiresAt < expiresAt - (_lifetimeTicks / 4))
            {
                _tags[tags[i]] = new Token(stamp.ToArray(), cell, version, snapshot.All, expiresAt);
                if (!known && Interlocked.Increment(ref _tagCount) > _maxTags)
                {
                    SweepTags();
                }
            }
        }
    }

    /// <summary>
    /// Past the bound: drops the tag copies no longer trusted (expired, or their counter bumped or retired), and all of
    /// them if that is not enough. Forgetting a copy costs one <c>MGET</c>, never a wrong answer.
    /// </summary>
    private void SweepTags()
    {
        if (!_sweepLock.TryEnter())
        {
            return; // another caller is sweeping
        }

        try
        {
            long now = _time.GetTimestamp();
            foreach (var pair in _tags)
            {
                if (!IsTrusted(pair.Value, now))
                {
                    _tags.TryRemove(pair);
                }
            }

            if (_tags.Count > _maxTags / 2)
            {
                _tags.Clear();
            }

            Volatile.Write(ref _tagCount, _tags.Count);
        }
        finally
        {
            _sweepLock.Exit();
        }
    }

    /// <summary>Gets the number of tag copies held (for tests).</summary>
    internal int TagCount => _tags.Count;

    private static bool SameScope(Token held, L1Cache.Snapshot snapshot, ReadOnlySpan<byte> epoch, ReadOnlySpan<byte> nsStamp)
    {
        var v = held.Value.AsSpan();
        return ReferenceEquals(held.Cell, snapshot.Namespace) && held.CellVersion == snapshot.NamespaceVersion && held.All == snapshot.All
            && v.Length == epoch.Length + 1 + nsStamp.Length && v[..epoch.Length].SequenceEqual(epoch) && v[epoch.Length] == (byte)'/'
            && v[(epoch.Length + 1)..].SequenceEqual(nsStamp);
    }

    private bool IsTrusted(Token token, long now) => now < token.ExpiresAt && Unchanged(token, _l1.AllVersion);

    private static bool Unchanged(Token token, long all) =>
        token.All == all && Volatile.Read(ref token.Cell.Version) == token.CellVersion && !Volatile.Read(ref token.Cell.Retired);

    /// <summary>One stamp's value as Redis held it (the UTF-8 bytes), with the versions it was read under.</summary>
    internal sealed class Token(byte[] value, L1Cache.Cell cell, long cellVersion, long all, long expiresAt)
    {
        /// <summary>Gets the stamp's bytes; for a namespace, <c>{epoch}/{namespace stamp}</c>.</summary>
        public byte[] Value { get; } = value;

        public L1Cache.Cell Cell { get; } = cell;

        public long CellVersion { get; } = cellVersion;

        public long All { get; } = all;

        public long ExpiresAt { get; } = expiresAt;
    }
}
