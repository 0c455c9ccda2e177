using CacheGen.Internal;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <summary>How much longer than the operation timeout a synchronous caller waits for its read, on its own thread.</summary>
    private const int SyncReadSlackMs = 100;

    /// <summary>How much longer a synchronous caller waits when the pool shows no queued work (a slow store, not a starved pool).</summary>
    private const int SyncReadHardBoundMs = 1000;

    /// <summary>The least time between two <c>SyncReadAbandoned</c> warnings; the ones in between are counted in the next.</summary>
    private static readonly TimeSpan SyncReadLogInterval = TimeSpan.FromSeconds(10);

    private long _syncAbandoned;
    private long _syncAbandonedLoggedAt;

    /// <inheritdoc/>
    public ValueTask<T> GetOrSetAsync<TState, T>(
        CachedMethod method,
        string key,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default) =>
        GetOrSetEntryAsync(method, key, tags, null, state, factory, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<T> GetOrSetAsync<TState, T>(
        CachedMethod method,
        string key,
        TState state,
        Func<TState, string[]> tags,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return GetOrSetEntryAsync(method, key, null, tags, state, factory, cancellationToken);
    }

    /// <summary>Both async forms: the tags as given, or built by <paramref name="makeTags"/> once they are needed (after the L1 check).</summary>
    private ValueTask<T> GetOrSetEntryAsync<TState, T>(
        CachedMethod method,
        string key,
        string[]? tags,
        Func<TState, string[]>? makeTags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!IsEnabled(method.Namespace))
        {
            return factory(state, cancellationToken);
        }

        if (_l1 is not null && L1Hit(method, key, ref tags, makeTags, state) is { } entry && L1Value<T>(method, entry, asTask: true, out var hit))
        {
            return hit;
        }

        tags ??= makeTags?.Invoke(state);
        return GetOrSetSharedAsync(method, GetFullKey(method.Namespace, key), tags, state, factory, cancellationToken);
    }

    /// <inheritdoc/>
    public T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory) =>
        GetOrSetEntry(method, key, tags, null, state, factory);

    /// <inheritdoc/>
    public T GetOrSet<TState, T>(CachedMethod method, string key, TState state, Func<TState, string[]> tags, Func<TState, T> factory)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return GetOrSetEntry(method, key, null, tags, state, factory);
    }

    private T GetOrSetEntry<TState, T>(CachedMethod method, string key, string[]? tags, Func<TState, string[]>? makeTags, TState state, Func<TState, T> factory)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!IsEnabled(method.Namespace))
        {
            return factory(state);
        }

        if (_l1 is not null && L1Hit(method, key, ref tags, makeTags, state) is { } entry && L1Value<T>(method, entry, asTask: false, out var hit))
        {
            return hit.Result;
        }

        // the documented sync path: one computation per key as on the async path; the owner does a bounded
        // blocking read, runs the factory on its own thread and writes back in the background
        tags ??= makeTags?.Invoke(state);
        string fullKey = GetFullKey(method.Namespace, key);

        while (true)
        {
            var flight = JoinOrCreate<T>(method.Namespace, fullKey, tags, out bool created);
            if (flight is null)
            {
                return Compute(method, fullKey, tags, state, factory);
            }

            if (!created)
            {
                // a blocking wait on this thread, bounded without a timer (a starved pool could not run one)
                CacheCall.Joined(method, fullKey);
                bool done;
                try
                {
                    done = flight.Task.Wait(TimeSpan.FromMilliseconds(_options.JoinTimeoutMs));
                }
                catch (AggregateException)
                {
                    done = true;
                }

                if (!done)
                {
                    GiveUp(method, fullKey, flight);
                    continue;
                }

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
    }

    private T Compute<TState, T>(CachedMethod method, string fullKey, string[]? tags, TState state, Func<TState, T> factory)
    {
        using var call = CacheCall.Begin(method, fullKey, _store.Name, _options, _time);
        var lookup = ReadBlocking<T>(method, fullKey, tags);
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
    /// The flight to wait on for <paramref name="fullKey"/>: a running one that nothing it depends on was invalidated
    /// since it started, or a new one (<paramref name="created"/>: the caller runs it). Null when another type is in
    /// flight under the key.
    /// </summary>
    private Flight<T>? JoinOrCreate<T>(string @namespace, string fullKey, string[]? tags, out bool created)
    {
        while (true)
        {
            if (_flights.TryGetValue(fullKey, out object? existing))
            {
                if (existing is not Flight<T> joined)
                {
                    // another return type under the same key (an analyzer error in user code): do not share
                    created = false;
                    return null;
                }

                // closed: it began before an invalidation of this key, its namespace or one of its tags and may compute
                // the value the invalidation removed (MarkInvalidated); invalidations of anything else do not split it
                if (joined.TryJoin())
                {
                    created = false;
                    return joined;
                }

                var replacement = new Flight<T>(@namespace, tags);
                if (_flights.TryUpdate(fullKey, replacement, existing))
                {
                    created = true;
                    return replacement;
                }

                continue;
            }

            var flight = new Flight<T>(@namespace, tags);
            if (_flights.TryAdd(fullKey, flight))
            {
                created = true;
                return flight;
            }
        }
    }

    /// <summary>
    /// A caller waited <see cref="CacheGenOptions.JoinTimeoutMs"/> for another caller's computation: nobody joins that
    /// one any more, and later callers start a new flight instead of queueing behind a computation that may never end.
    /// </summary>
    private void GiveUp<T>(CachedMethod method, string fullKey, Flight<T> flight)
    {
        bool first = flight.Abandon();
        _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
        _metrics.Error(StoreErrorType.JoinTimeout, StoreOperation.Join, method.Namespace);
        if (first)
        {
            Log.JoinAbandoned(_logger, method.Namespace, _options.JoinTimeoutMs);
        }
    }

    /// <summary>
    /// Called once an invalidation is applied (or queued, so the reads it affects bypass the store), before it returns:
    /// a caller that comes after it never joins a computation of that key, namespace or tag that started before it.
    /// </summary>
    /// <remarks>
    /// A flight in the table now began before this point, so possibly before the invalidation reached the store; one
    /// added later reads the store after it. A key costs one lookup; a namespace or a tag, one pass over the flights
    /// running now.
    /// </remarks>
    private void MarkInvalidated(Invalidation invalidation)
    {
        if (invalidation.Kind == InvalidationKind.Key)
        {
            if (_flights.TryGetValue(invalidation.Target, out object? flight))
            {
                ((Flight)flight).Close();
            }

            return;
        }

        foreach (var pair in _flights)
        {
            var flight = (Flight)pair.Value;
            bool covered = invalidation.Kind switch
            {
                InvalidationKind.Namespace => flight.Namespace == invalidation.Target,
                InvalidationKind.Tag => flight.HasTag(invalidation.Target),
                _ => true, // the prefix's epoch: every entry
            };

            if (covered)
            {
                flight.Close();
            }
        }
    }

    /// <summary>An operator deleted keys by pattern: no running computation is shared with later callers.</summary>
    private void MarkAllInvalidated()
    {
        foreach (var pair in _flights)
        {
            ((Flight)pair.Value).Close();
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
        while (true)
        {
            var flight = JoinOrCreate<T>(method.Namespace, fullKey, tags, out bool created);
            if (flight is null)
            {
                return await ComputeAsync(method, fullKey, tags, state, factory, cancellationToken).ConfigureAwait(false);
            }

            if (created)
            {
                _ = RunFlightAsync(flight, method, fullKey, tags, state, factory);
            }

            try
            {
                if (created)
                {
                    // the caller's own computation: only its token bounds the wait
                    return await flight.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                // recorded as it joins; a caller that gives up records its next attempt too
                CacheCall.Joined(method, fullKey);
                try
                {
                    return CopyForJoiner(method, await flight.Task.WaitAsync(TimeSpan.FromMilliseconds(_options.JoinTimeoutMs), _time, cancellationToken).ConfigureAwait(false));
                }
                catch (TimeoutException) when (!flight.Task.IsCompleted)
                {
                    GiveUp(method, fullKey, flight);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                flight.Leave();
                throw;
            }
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
        var (ok, read) = await _access.ReadAsync(ns, fullKey, stampKeys, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            Interlocked.Increment(ref _misses);
            _metrics.Request(RequestResult.Error, ns);
            return default;
        }

        // a synchronous caller that stopped waiting has been served without the cache: nothing more to count or write
        cancellationToken.ThrowIfCancellationRequested();

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
                _metrics.Request(RequestResult.Hit, ns);
                Log.Hit(_logger, fullKey);
                L1FromStore(method, fullKey, tags, l1, value, bytes);
                return new Lookup<T>(true, value, false, header, stamps, startedAt, adminEpoch, l1);
            }
        }

        Miss(ns, fullKey);
        if (read.Value is null && !CheckReadOnly().Writes)
        {
            return await ReserveAsync<T>(ns, fullKey, stamps, startedAt, adminEpoch, l1, cancellationToken).ConfigureAwait(false);
        }

        return new Lookup<T>(false, default, true, header, stamps, startedAt, adminEpoch, l1);
    }

    /// <summary>
    /// After a miss of an absent key, and before <c>Core</c> runs: puts a reservation (a tombstone of this call's own)
    /// under the key, which the write-back then requires. An invalidation replaces it; if that invalidation's tombstone is
    /// then lost (evicted, deleted), the key is absent, not this reservation, and the late write-back is refused. Without
    /// it, "absent at the read" and "tombstone lost during Core" would look the same. A lost reservation costs a miss.
    /// </summary>
    private async ValueTask<Lookup<T>> ReserveAsync<T>(string ns, string fullKey, string?[] stamps, long startedAt, long adminEpoch, L1Cache.Snapshot? l1, CancellationToken cancellationToken)
    {
        byte[] reservation = Envelope.NewTombstone();
        var (ok, reserved) = await ExecuteStoreAsync(
            StoreOperation.Reserve,
            ns,
            (fullKey, reservation, ttl: TimeSpan.FromSeconds(_options.TombstoneTtlSeconds)),
            static (store, s, ct) => store.WriteIfUnchangedAsync(s.fullKey, ReadOnlyMemory<byte>.Empty, s.reservation, s.ttl, ct),
            cancellationToken).ConfigureAwait(false);

        // not reserved: another writer (another process's write-back, an invalidation) came first, or the store refused
        // (a fault, OOM): this call's value is not written back
        return new Lookup<T>(false, default, ok && reserved, reservation, stamps, startedAt, adminEpoch, l1);
    }

    private void Miss(string ns, string fullKey)
    {
        Interlocked.Increment(ref _misses);
        _metrics.Request(RequestResult.Miss, ns);
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

    /// <summary>
    /// The synchronous path's read. The operation timeout bounds it through a pool timer; this thread waits that long
    /// and <see cref="SyncReadSlackMs"/> more, without a timer (up to <see cref="SyncReadHardBoundMs"/> more while the
    /// pool has no queued work). A read still unfinished then is held up by this process (a pool too starved to run
    /// the timer or the reply's continuation), not by the store: the read is cancelled as
    /// the caller's own (so it is neither counted toward the breaker nor logged as a store error when it finally runs),
    /// the call is served without the cache, and a Warning is logged at most once per <see cref="SyncReadLogInterval"/>.
    /// </summary>
    private Lookup<T> ReadBlocking<T>(CachedMethod method, string fullKey, string[]? tags)
    {
        var abandon = new CancellationTokenSource();
        var task = LookupAsync<T>(method, fullKey, tags, abandon.Token).AsTask();
        int boundMs = _options.OperationTimeoutMs + SyncReadSlackMs;
        try
        {
            // a pool with nothing queued is not starved: the store is slow (a miss may take several bounded round
            // trips), so wait for the read's own timeouts, which count toward the breaker as usual
            if (task.Wait(boundMs) || (ThreadPool.PendingWorkItemCount == 0 && task.Wait(SyncReadHardBoundMs)))
            {
                abandon.Dispose();
                return task.Result;
            }
        }
        catch (AggregateException)
        {
            // LookupAsync does not throw for a store fault; nothing else to serve from
            abandon.Dispose();
            return default;
        }

        // not disposed: the read's continuations may still register on its token when the pool gets to them
        abandon.Cancel();
        Interlocked.Increment(ref _misses);
        Interlocked.Increment(ref _errors);
        _metrics.Request(RequestResult.Error, method.Namespace);
        _metrics.Error(StoreErrorType.SyncWait, StoreOperation.Read, method.Namespace);
        CacheCall.Current?.OnStoreError(StoreOperation.Read, StoreErrorType.SyncWait);
        long suppressed = Interlocked.Increment(ref _syncAbandoned);
        long last = Volatile.Read(ref _syncAbandonedLoggedAt);
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if ((last == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(last, now) >= SyncReadLogInterval)
            && Interlocked.CompareExchange(ref _syncAbandonedLoggedAt, now, last) == last)
        {
            Log.SyncReadAbandoned(_logger, boundMs, Interlocked.Exchange(ref _syncAbandoned, 0) - 1, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount);
        }

        return default;
    }

    /// <summary>The result of reading one entry.</summary>
    private readonly record struct Lookup<T>(bool Hit, T? Value, bool CanWrite, ReadOnlyMemory<byte> Header, string?[]? Stamps, long StartedAt, long AdminEpoch, L1Cache.Snapshot? L1 = null);
}
