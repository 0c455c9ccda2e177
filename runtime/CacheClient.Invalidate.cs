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

        // the caller's token is not passed on: abandoning an invalidation would leave a stale entry behind;
        // the operation timeout bounds it and a failure is queued for replay
        _ = cancellationToken;
        if (!await ApplyAsync(invalidation, CancellationToken.None).ConfigureAwait(false))
        {
            if (_pending.TryAdd(invalidation))
            {
                Log.InvalidationQueued(_logger, invalidation.Kind == InvalidationKind.Tag ? "tag" : invalidation.Namespace, _pending.Count);
            }
            else
            {
                Log.InvalidationDropped(_logger, invalidation.Kind == InvalidationKind.Tag ? "tag" : invalidation.Namespace, _options.MaxPendingInvalidations);
            }
        }

        MarkInvalidated(invalidation);
    }

    private async ValueTask<bool> ApplyAsync(Invalidation invalidation, CancellationToken cancellationToken)
    {
        if (CheckReadOnly().Store)
        {
            // a replica cannot take it: keep it queued (reads it affects bypass the store) without an error or a
            // breaker failure; the replay timer sends it once the store reports a writable primary
            return false;
        }

        string scope = invalidation.Kind == InvalidationKind.Tag ? "tag" : invalidation.Namespace;
        var (ok, _) = await ExecuteStoreAsync(
            StoreOperation.Invalidate,
            scope,
            (client: this, invalidation),
            static async (store, s, ct) =>
            {
                var inv = s.invalidation;
                // bounded: a stamp that expires before entries that recorded it only costs them a miss
                var stampTtl = TimeSpan.FromSeconds(CacheGenDefaults.InvalidationStampTtlSeconds);
                switch (inv.Kind)
                {
                    case InvalidationKind.Key:
                        await store.RemoveAsync(inv.Target, Envelope.NewTombstone(), TimeSpan.FromSeconds(s.client._options.TombstoneTtlSeconds), ct).ConfigureAwait(false);
                        break;
                    case InvalidationKind.Namespace:
                        await store.SetStampAsync(s.client.NamespaceStampKey(inv.Target), NewStamp(), stampTtl, ct).ConfigureAwait(false);
                        break;
                    default:
                        await store.SetStampAsync(s.client.TagStampKey(inv.Target), NewStamp(), stampTtl, ct).ConfigureAwait(false);
                        break;
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return ok;
    }

    private void ReplayPending()
    {
        if (_pending.Count == 0 || Interlocked.Exchange(ref _replaying, 1) == 1)
        {
            return;
        }

        _ = ReplayPendingAsync();
    }

    private async Task ReplayPendingAsync()
    {
        try
        {
            int replayed = 0;
            foreach (var invalidation in _pending.Snapshot())
            {
                if (!await ApplyAsync(invalidation, CancellationToken.None).ConfigureAwait(false))
                {
                    break;
                }

                _pending.Remove(invalidation);
                replayed++;
            }

            if (replayed > 0)
            {
                Log.InvalidationsReplayed(_logger, replayed);
            }
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
        }
    }
}
