using CacheGen.Internal;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <inheritdoc/>
    public ValueTask<T> GetOrSetAsync<TState, T>(
        CachedMethod method,
        string key,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!IsEnabled(method.Namespace))
        {
            return factory(state, cancellationToken);
        }

        string fullKey = GetFullKey(method.Namespace, key);
        if (_l1 is not null && TryGetL1(method, fullKey, tags, out T hit))
        {
            return new ValueTask<T>(hit);
        }

        return GetOrSetSharedAsync(method, fullKey, tags, state, factory, cancellationToken);
    }

    /// <inheritdoc/>
    public T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!IsEnabled(method.Namespace))
        {
            return factory(state);
        }

        // the documented sync path: one computation per key as on the async path; the owner does a bounded
        // blocking read, runs the factory on its own thread and writes back in the background
        string fullKey = GetFullKey(method.Namespace, key);
        if (_l1 is not null && TryGetL1(method, fullKey, tags, out T hit))
        {
            return hit;
        }

        var flight = JoinOrCreate<T>(fullKey, out bool created);
        if (flight is null)
        {
            return Compute(method, fullKey, tags, state, factory);
        }

        if (!created)
        {
            CacheCall.Joined(method, fullKey);
            return CopyForJoiner(method, flight.Task.GetAwaiter().GetResult());
        }

        try
        {
            T value = Compute(method, fullKey, tags, state, factory);
            _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
            flight.Complete(value);
            return value;
        }
        catch (Exception e)
        {
            _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
            flight.Fail(e);
            throw;
        }
    }

    private T Compute<TState, T>(CachedMethod method, string fullKey, string[]? tags, TState state, Func<TState, T> factory)
    {
        using var call = CacheCall.Begin(method, fullKey, _store.Name, _options, _time);
        var lookup = WaitBounded(LookupAsync<T>(method, fullKey, tags, CancellationToken.None).AsTask());
        if (lookup.Hit)
        {
            return lookup.Value!;
        }

        T value = factory(state);
        if (lookup.CanWrite)
        {
            _ = WriteBackAsync(method, fullKey, tags, lookup, value);
        }

        return value;
    }

    /// <summary>
    /// The flight to wait on for <paramref name="fullKey"/>: an existing one of the current invalidation epoch, or a
    /// new one (<paramref name="created"/>: the caller runs it). Null when another type is in flight under the key.
    /// </summary>
    private Flight<T>? JoinOrCreate<T>(string fullKey, out bool created)
    {
        while (true)
        {
            long epoch = Volatile.Read(ref _invalidationEpoch);
            if (_flights.TryGetValue(fullKey, out object? existing))
            {
                if (existing is not Flight<T> joined)
                {
                    // another return type under the same key (an analyzer error in user code): do not share
                    created = false;
                    return null;
                }

                // a flight that began before an invalidation may compute a value the invalidation removed
                if (joined.Epoch == epoch && joined.TryJoin())
                {
                    created = false;
                    return joined;
                }

                var replacement = new Flight<T>(epoch);
                if (_flights.TryUpdate(fullKey, replacement, existing))
                {
                    created = true;
                    return replacement;
                }

                continue;
            }

            var flight = new Flight<T>(epoch);
            if (_flights.TryAdd(fullKey, flight))
            {
                created = true;
                return flight;
            }
        }
    }

    private async ValueTask<T> GetOrSetSharedAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        var flight = JoinOrCreate<T>(fullKey, out bool created);
        if (flight is null)
        {
            return await ComputeAsync(method, fullKey, tags, state, factory, cancellationToken).ConfigureAwait(false);
        }

        if (created)
        {
            _ = RunFlightAsync(flight, method, fullKey, tags, state, factory);
        }
        else
        {
            CacheCall.Joined(method, fullKey);
        }

        try
        {
            T value = await flight.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return created ? value : CopyForJoiner(method, value);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            flight.Leave();
            throw;
        }
    }

    private async Task RunFlightAsync<TState, T>(
        Flight<T> flight,
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory)
    {
        try
        {
            T value = await ComputeAsync(method, fullKey, tags, state, factory, flight.Token).ConfigureAwait(false);

            // leave the table first, so a caller arriving now reads the store instead of a finished flight
            _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
            flight.Complete(value);
        }
        catch (Exception e)
        {
            _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
            flight.Fail(e);
        }
    }

    private async ValueTask<T> ComputeAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        using var call = CacheCall.Begin(method, fullKey, _store.Name, _options, _time);
        var lookup = await LookupAsync<T>(method, fullKey, tags, cancellationToken).ConfigureAwait(false);
        if (lookup.Hit)
        {
            return lookup.Value!;
        }

        // the caller waits for the cache at most one operation timeout in all: the write-back gets what the read left
        TimeSpan budget = TimeSpan.FromMilliseconds(_options.OperationTimeoutMs) - _time.GetElapsedTime(lookup.StartedAt);
        T value = await factory(state, cancellationToken).ConfigureAwait(false);
        if (lookup.CanWrite)
        {
            var write = WriteBackAsync(method, fullKey, tags, lookup, value);
            if (!write.IsCompleted && budget > TimeSpan.Zero)
            {
                try
                {
                    await write.WaitAsync(budget, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // it goes on in the background under its own timeout; it never throws
                }
            }
        }

        return value;
    }

    /// <summary>Reads the entry and the stamps it must match. Never throws for a store fault.</summary>
    private async ValueTask<Lookup<T>> LookupAsync<T>(CachedMethod method, string fullKey, string[]? tags, CancellationToken cancellationToken)
    {
        string ns = method.Namespace;
        if (BypassesStore(ns, fullKey, tags))
        {
            // an invalidation of this entry has not reached the store yet: what the store holds may be stale
            Miss(ns, fullKey);
            return default;
        }

        // the prefix's epoch, the namespace stamp, then one stamp per tag (KeyLayout: StampsOffset)
        var stampKeys = new string[StampsOffset + (tags?.Length ?? 0)];
        stampKeys[0] = EpochKey;
        stampKeys[1] = NamespaceStampKey(ns);
        for (int i = StampsOffset; i < stampKeys.Length; i++)
        {
            stampKeys[i] = TagStampKey(tags![i - StampsOffset]);
        }

        var l1 = L1Snapshot(method, fullKey, tags);
        long startedAt = _time.GetTimestamp();
        long adminEpoch = Volatile.Read(ref _adminEpoch);
        var (ok, read) = await ExecuteStoreAsync(
            StoreOperation.Read,
            ns,
            (fullKey, stampKeys),
            static (store, s, ct) => store.ReadAsync(s.fullKey, s.stampKeys, ct),
            cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            Interlocked.Increment(ref _misses);
            _metrics.Request("error", ns);
            return default;
        }

        // a missing stamp (evicted, expired, flushed, deleted by hand) means "invalidated at an unknown time", never
        // "never invalidated": it is recreated with a new value, so no entry written before can match it, and the read
        // is a counted miss. A stamp always exists before the first write that records it
        string?[] stamps = read.Stamps;
        bool stampMissing = false;
        for (int i = 0; i < stamps.Length; i++)
        {
            if (stamps[i] is not null)
            {
                continue;
            }

            stampMissing = true;
            var (ensured, stamp) = await ExecuteStoreAsync(
                StoreOperation.EnsureStamp,
                ns,
                (key: stampKeys[i], ttl: StampTtl(method)),
                static (store, s, ct) => store.EnsureStampAsync(s.key, NewStamp(), s.ttl, ct),
                cancellationToken).ConfigureAwait(false);
            if (!ensured)
            {
                // cannot record a stamp (OOM, a replica, a fault): a miss without a write-back
                Miss(ns, fullKey);
                return default;
            }

            stamps[i] = stamp;
        }

        ReadOnlyMemory<byte> header = default;
        if (stampMissing)
        {
            _metrics.Error(StoreErrorType.StampMissing, StoreOperation.Read, ns);
        }

        if (read.Value is { } bytes)
        {
            header = bytes.AsMemory(0, Math.Min(bytes.Length, Envelope.HeaderLength));
            // decoded even when a stamp was missing, so a corrupt entry is still counted and overwritten
            if (TryDecode(method, fullKey, tags, bytes, stamps, out T? value) && !stampMissing)
            {
                Interlocked.Increment(ref _hits);
                _metrics.Request("hit", ns);
                Log.Hit(_logger, fullKey);
                L1FromStore(method, fullKey, tags, l1, value, bytes);
                return new Lookup<T>(true, value, false, header, stamps, startedAt, adminEpoch, l1);
            }
        }

        Miss(ns, fullKey);
        return new Lookup<T>(false, default, true, header, stamps, startedAt, adminEpoch, l1);
    }

    private void Miss(string ns, string fullKey)
    {
        Interlocked.Increment(ref _misses);
        _metrics.Request("miss", ns);
        Log.Miss(_logger, fullKey);
        CacheCall.Current?.OnMiss();
    }

    private bool TryDecode<T>(CachedMethod method, string fullKey, string[]? tags, byte[] bytes, string?[] stamps, out T? value)
    {
        value = default;
        if (!Envelope.TryRead(bytes, fullKey, out var entry, out string reason))
        {
            if (reason != "tombstone")
            {
                Corrupt(method.Namespace, fullKey, reason);
            }

            return false;
        }

        // an invalidation since the write, or a changed type: a plain miss
        if (entry.Fingerprint != method.SchemaFingerprint || entry.NamespaceStamp != ScopeStamp(stamps) || entry.Tags.Length != (tags?.Length ?? 0))
        {
            return false;
        }

        for (int i = 0; i < entry.Tags.Length; i++)
        {
            if (entry.Tags[i].Tag != tags![i] || entry.Tags[i].Stamp != stamps[i + StampsOffset])
            {
                return false;
            }
        }

        try
        {
            value = DeserializeValue<T>(method, entry.Payload);
            CacheCall.Current?.OnHit(entry.CreatedUnixMs);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Corrupt(method.Namespace, fullKey, "payload does not deserialize: " + e.GetType().Name);
            return false;
        }
    }

    private void Corrupt(string ns, string fullKey, string reason)
    {
        Interlocked.Increment(ref _errors);
        _metrics.Error(StoreErrorType.Deserialization, StoreOperation.Read, ns);
        if (_corruptLogged.TryAdd(ns, 0))
        {
            Log.CorruptEntry(_logger, ns, reason);
        }

        Log.CorruptEntryKey(_logger, fullKey, reason);
    }

    private async Task WriteBackAsync<T>(CachedMethod method, string fullKey, string[]? tags, Lookup<T> lookup, T value)
    {
        string ns = method.Namespace;
        if (CheckReadOnly().Writes)
        {
            // a replica (or the ReadOnly option): not an error, and nothing for the breaker to count
            Log.WriteSkippedReadOnly(_logger, fullKey);
            return;
        }

        if (lookup.AdminEpoch != Volatile.Read(ref _adminEpoch))
        {
            // an operator deleted keys by pattern since this read: nothing in Redis would refuse this older value
            Log.WriteRejected(_logger, fullKey);
            return;
        }

        if (_time.GetElapsedTime(lookup.StartedAt) > TimeSpan.FromSeconds(_options.TombstoneTtlSeconds / 2.0))
        {
            // a tombstone written during this long computation may have expired: the conditional write could not see it
            Log.WriteRejected(_logger, fullKey);
            return;
        }

        if (SerializeValue(method, value) is not { } payload)
        {
            return;
        }

        if (payload.Length > _options.MaxPayloadBytes)
        {
            _metrics.Error(StoreErrorType.Oversize, StoreOperation.Write, ns);
            Log.Oversize(_logger, ns, payload.Length, _options.MaxPayloadBytes);
            return;
        }

        string?[] stamps = lookup.Stamps!;
        byte[] envelope = Envelope.Write(fullKey, method.SchemaFingerprint, _time.GetUtcNow().ToUnixTimeMilliseconds(), ScopeStamp(stamps), tags, stamps[StampsOffset..], payload);
        TimeSpan ttl = EntryTtl(method);
        CacheCall.Current?.OnWrite(ttl);
        var (ok, written) = await ExecuteStoreAsync(
            StoreOperation.Write,
            ns,
            (fullKey, lookup.Header, envelope, ttl),
            static (store, s, ct) => store.WriteIfUnchangedAsync(s.fullKey, s.Header, s.envelope, s.ttl, ct),
            CancellationToken.None).ConfigureAwait(false);
        if (ok && written)
        {
            Log.Set(_logger, fullKey, (long)ttl.TotalMilliseconds);
            L1FromWrite(method, fullKey, tags, lookup.L1, value, payload);
        }
        else if (ok)
        {
            _metrics.Error(StoreErrorType.WriteRejected, StoreOperation.Write, ns);
            Log.WriteRejected(_logger, fullKey);
        }
    }

    private T WaitBounded<T>(Task<T> task)
        where T : struct
    {
        // the operation timeout bounds the task; the hard bound covers a starved thread pool that cannot run the timer
        if (task.Wait(TimeSpan.FromMilliseconds(_options.OperationTimeoutMs + 1000)))
        {
            return task.Result;
        }

        // the bounded wait ran out (a starved thread pool cannot run the timeout's timer): a counted, logged miss
        Interlocked.Increment(ref _errors);
        _metrics.Error(StoreErrorType.Timeout, StoreOperation.Read, "sync");
        Log.SyncReadAbandoned(_logger, _options.OperationTimeoutMs + 1000, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount);
        return default;
    }

    /// <summary>The result of reading one entry.</summary>
    private readonly record struct Lookup<T>(bool Hit, T? Value, bool CanWrite, ReadOnlyMemory<byte> Header, string?[]? Stamps, long StartedAt, long AdminEpoch, L1Cache.Snapshot? L1 = null);
}
