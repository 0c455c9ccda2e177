using CacheGen.Internal;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <inheritdoc/>
    public ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentNullException.ThrowIfNull(key);
        return InvalidateAsync(new Invalidation(InvalidationKind.Key, @namespace, GetFullKey(@namespace, key)), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        return InvalidateAsync(new Invalidation(InvalidationKind.Namespace, @namespace, @namespace), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        return InvalidateAsync(new Invalidation(InvalidationKind.Tag, string.Empty, tag), cancellationToken);
    }

    private async ValueTask InvalidateAsync(Invalidation invalidation, CancellationToken cancellationToken)
    {
        if (_disabledReason is not null)
        {
            MarkInvalidated(invalidation);
            return;
        }

        // journaled before it is sent: a server change while it is on the wire replays it too
        Journal(invalidation);

        // the caller's token is not passed on: abandoning an invalidation would leave a stale entry behind;
        // the operation timeout bounds it and a failure is queued for replay
        _ = cancellationToken;
        if (!await ApplyAsync(invalidation, CancellationToken.None).ConfigureAwait(false))
        {
            Queue(invalidation);
        }

        // a caller that starts after this returns never joins a computation that began before it
        MarkInvalidated(invalidation);
    }

    /// <summary>Keeps <paramref name="invalidation"/> in the journal for as long as an entry it covers can live.</summary>
    private void Journal(Invalidation invalidation)
    {
        if (_journal.Enabled)
        {
            _journal.Record(invalidation, JournalRelevance(invalidation));
        }
    }

    /// <summary>Queues an invalidation the store did not take; past the bound, what covers it (docs/design.md S27).</summary>
    private void Queue(Invalidation invalidation)
    {
        if (_pending.Add(invalidation) == PendingAddResult.Queued)
        {
            Log.InvalidationQueued(_logger, invalidation.Scope, _pending.Count);
        }
        else
        {
            Log.InvalidationWidened(_logger, invalidation.Scope, _options.MaxPendingInvalidations, invalidation.Widened.Kind == InvalidationKind.Epoch ? "every namespace" : "namespace '" + invalidation.Namespace + "'");
        }
    }

    private async ValueTask<bool> ApplyAsync(Invalidation invalidation, CancellationToken cancellationToken)
    {
        if (CheckReadOnly().Store)
        {
            // a replica cannot take it: keep it queued (reads it affects bypass the store) without an error or a
            // breaker failure; the replay timer sends it once the store reports a writable primary
            return false;
        }

        var (ok, _) = await ExecuteStoreAsync(
            StoreOperation.Invalidate,
            invalidation.Scope,
            (client: this, invalidation),
            static async (store, s, ct) =>
            {
                var inv = s.invalidation;
                var client = s.client;

                // bounded: a stamp that expires before entries that recorded it only costs them a miss
                var stampTtl = TimeSpan.FromSeconds(CacheGenDefaults.InvalidationStampTtlSeconds);
                string key;
                switch (inv.Kind)
                {
                    case InvalidationKind.Key:
                        key = inv.Target;
                        await store.RemoveAsync(key, Envelope.NewTombstone(), TimeSpan.FromSeconds(client._options.TombstoneTtlSeconds), ct).ConfigureAwait(false);
                        break;
                    case InvalidationKind.Namespace:
                        key = client.NamespaceStampKey(inv.Target);
                        await store.SetStampAsync(key, NewStamp(), stampTtl, ct).ConfigureAwait(false);
                        break;
                    case InvalidationKind.Tag:
                        key = client.TagStampKey(inv.Target);
                        await store.SetStampAsync(key, NewStamp(), stampTtl, ct).ConfigureAwait(false);
                        break;
                    default:
                        key = client.EpochKey;
                        await store.SetStampAsync(key, NewStamp(), stampTtl, ct).ConfigureAwait(false);
                        break;
                }

                if (client._options.InvalidationReplicas > 0 && store is Stores.RedisCacheStore redis)
                {
                    // optional: a failover right after this returns cannot lose it (the journal covers the rest)
                    long acknowledged = await redis.WaitForReplicasAsync(key, client._options.InvalidationReplicas, client._options.InvalidationReplicaTimeoutMs, ct).ConfigureAwait(false);
                    if (acknowledged < client._options.InvalidationReplicas)
                    {
                        Log.InvalidationReplicasShort(client._logger, inv.Scope, acknowledged, client._options.InvalidationReplicas);
                    }
                }

                await client.L1AfterInvalidationAsync(inv, ct).ConfigureAwait(false);

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return ok;
    }

    /// <summary>
    /// How long an invalidation matters: as long as an entry written before it can live. For a key or a namespace, the
    /// namespace's longest TTL (its override, else the longest of the catalogue's methods and of the entries this process
    /// wrote); for a tag or the epoch, the longest of every namespace known. The entry-TTL cap when nothing is known.
    /// </summary>
    private TimeSpan JournalRelevance(Invalidation invalidation)
    {
        double cap = CacheGenDefaults.MaxTtlSeconds - (24 * 3600);
        bool scoped = invalidation.Kind is InvalidationKind.Key or InvalidationKind.Namespace;
        double seconds = 0;
        if (scoped && _options.Namespaces.TryGetValue(invalidation.Namespace, out var ns) && ns.TtlSeconds is int overridden)
        {
            seconds = overridden;
        }
        else
        {
            foreach (var entry in CacheCatalog.Entries)
            {
                if (!scoped || entry.Namespace == invalidation.Namespace)
                {
                    seconds = Math.Max(seconds, entry.TtlSeconds);
                }
            }

            if (!scoped)
            {
                foreach (var options in _options.Namespaces.Values)
                {
                    seconds = Math.Max(seconds, options.TtlSeconds ?? 0);
                }
            }

            seconds = Math.Max(seconds, scoped ? _ttlsSeen.GetValueOrDefault(invalidation.Namespace) : Volatile.Read(ref _longestTtlSeen));
        }

        return TimeSpan.FromSeconds(seconds == 0 ? cap : Math.Min(seconds * (1 + _options.TtlJitter), cap));
    }

    /// <summary>Records the TTL of an entry this process writes, for <see cref="JournalRelevance"/>.</summary>
    private void ObserveTtl(string @namespace, TimeSpan ttl)
    {
        long seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        if (_ttlsSeen.GetValueOrDefault(@namespace) < seconds)
        {
            _ttlsSeen.AddOrUpdate(@namespace, seconds, (_, old) => Math.Max(old, seconds));
        }

        long longest;
        while ((longest = Volatile.Read(ref _longestTtlSeen)) < seconds && Interlocked.CompareExchange(ref _longestTtlSeen, seconds, longest) != longest)
        {
        }
    }

    /// <summary>Whether a read must bypass the store: an invalidation it covers has not reached the store (yet, or again).</summary>
    private bool BypassesStore(string @namespace, string fullKey, string[]? tags) =>
        _pending.Affects(@namespace, fullKey, tags)
        || (_connection?.ServerCheckPending == true && _journal.Affects(@namespace, fullKey, tags));
}
