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

    /// <summary>The stamp keys of an untagged read, per namespace: the same two on every read, made once.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> _scopeStampKeys = new(StringComparer.Ordinal);

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
        if (!IsEnabled(method.Namespace, out bool l1On))
        {
            return factory(state, cancellationToken);
        }

        if (l1On && _l1 is not null && L1Hit(method, key, ref tags, makeTags, state) is { } entry && L1Value<T>(method, entry, asTask: true, out var hit))
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
        if (!IsEnabled(method.Namespace, out bool l1On))
        {
            return factory(state);
        }

        if (l1On && _l1 is not null && L1Hit(method, key, ref tags, makeTags, state) is { } entry && L1Value<T>(method, entry, asTask: false, out var hit))
        {
            return hit.Result;
        }

        // the documented sync path: one computation per key as on the async path; the owner does a bounded
        // blocking read, runs the factory on its own thread and writes back in the background
        tags ??= makeTags?.Invoke(state);
        string fullKey = GetFullKey(method.Namespace, key);

        while (true)
        {
            // a synchronous owner never leaves its flight: it needs no token source
            var flight = JoinOrCreate<T>(method.Namespace, fullKey, tags, cancellable: false, out bool created);
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

            T value;
            try
            {
                value = Compute(method, fullKey, tags, state, factory);
            }
            catch (Exception e)
            {
                EndFlight(fullKey, flight, e);
                throw;
            }

            CompleteFlight(fullKey, flight, value);
            return value;
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
    private Flight<T>? JoinOrCreate<T>(string @namespace, string fullKey, string[]? tags, bool cancellable, out bool created)
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

                var replacement = new Flight<T>(@namespace, tags, cancellable);
                if (_flights.TryUpdate(fullKey, replacement, existing))
                {
                    created = true;
                    return replacement;
                }

                continue;
            }

            var flight = new Flight<T>(@namespace, tags, cancellable);
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

    /// <summary>
    /// The async path after L1: the caller that starts a key's flight computes it in its own flow
    /// (<see cref="OwnFlightAsync"/>); a caller that finds one running waits for it.
    /// </summary>
    private ValueTask<T> GetOrSetSharedAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        var flight = JoinOrCreate<T>(method.Namespace, fullKey, tags, cancellationToken.CanBeCanceled, out bool created);
        return new ValueTask<T>(created
            ? OwnFlightAsync(flight!, method, fullKey, tags, state, factory, cancellationToken)
            : JoinFlightAsync(flight, method, fullKey, tags, state, factory, cancellationToken));
    }

    /// <summary>
    /// Runs a flight this caller created and returns its value directly (no hop through the joiners' task); the
    /// flight is completed for whoever joined meanwhile. A caller whose token can be cancelled waits on the computation
    /// with that token: if it gives up, the computation goes on for the joiners (cancelled when the last one leaves).
    /// </summary>
    private Task<T> OwnFlightAsync<TState, T>(
        Flight<T> flight,
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? OwnCancellableFlightAsync(flight, method, fullKey, tags, state, factory, cancellationToken)
            : ComputeAsync(method, fullKey, tags, state, factory, flight.Token, flight);

    private async Task<T> JoinFlightAsync<TState, T>(
        Flight<T>? flight,
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            if (flight is null)
            {
                return await ComputeAsync(method, fullKey, tags, state, factory, cancellationToken).ConfigureAwait(false);
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
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                flight.Leave();
                throw;
            }

            flight = JoinOrCreate<T>(method.Namespace, fullKey, tags, cancellationToken.CanBeCanceled, out bool created);
            if (created)
            {
                return await OwnFlightAsync(flight!, method, fullKey, tags, state, factory, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<T> OwnCancellableFlightAsync<TState, T>(
        Flight<T> flight,
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        T value;
        var computation = ComputeAsync(method, fullKey, tags, state, factory, flight.Token);
        try
        {
            value = await computation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the caller's own token: it leaves, the computation's outcome still goes to the joiners
            flight.Leave();
            _ = EndFlightWhenDoneAsync(fullKey, flight, computation);
            throw;
        }
        catch (Exception e)
        {
            EndFlight(fullKey, flight, e);
            throw;
        }

        CompleteFlight(fullKey, flight, value);
        return value;
    }

    private async Task EndFlightWhenDoneAsync<T>(string fullKey, Flight<T> flight, Task<T> computation)
    {
        try
        {
            CompleteFlight(fullKey, flight, await computation.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            EndFlight(fullKey, flight, e);
        }
    }

    /// <summary>Ends a flight with its value: out of the table first, so a caller arriving now reads the store instead of a finished flight, then completed for its joiners.</summary>
    private void CompleteFlight<T>(string fullKey, Flight<T> flight, T value)
    {
        _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
        flight.Complete(value);
    }

    private void EndFlight<T>(string fullKey, Flight<T> flight, Exception error)
    {
        _flights.TryRemove(new KeyValuePair<string, object>(fullKey, flight));
        flight.Fail(error);
    }

    /// <summary>
    /// One caller's computation: the store read, and on a miss the factory and the write-back. With
    /// <paramref name="owned"/>, also ends that flight (removed from the table, then completed for its joiners). On Redis
    /// the read is awaited here, so a hit costs this one async frame (docs/design.md "The Redis hit path").
    /// </summary>
    private async Task<T> ComputeAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken,
        Flight<T>? owned = null)
    {
        T value;
        try
        {
            using var call = CacheCall.Begin(method, fullKey, _store.Name, _options, _time);
            if (!_access.ReadsRedis)
            {
                value = await ComputeAfterLookupAsync(method, fullKey, tags, state, factory, cancellationToken).ConfigureAwait(false);
            }
            else if (!BeginLookup(method, fullKey, tags, out var start, local: true))
            {
                value = await MissAsync<TState, T>(method, fullKey, tags, state, factory, default, cancellationToken).ConfigureAwait(false);
            }
            else if (BeginRead(method, fullKey, start, out long readStarted) is not { } reply)
            {
                ReadFailed(method.Namespace);
                value = await MissAsync<TState, T>(method, fullKey, tags, state, factory, default, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // the only await of a hit: as few locals as possible live across it (they make up this frame's box), and
                // one for both reads (a GET against local stamps, or the MGET of the entry and its stamps)
                Exception? fault = null;
                try
                {
                    await _access.BoundRead(reply, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    fault = e;
                }

                if (reply is Task<StackExchange.Redis.RedisValue> get)
                {
                    value = EndLocalLookup(method, fullKey, tags, get, fault, readStarted, start, cancellationToken, out T hit, out bool failed)
                        ? hit
                        : await AfterLocalReadAsync(method, fullKey, tags, state, factory, start, failed, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    value = EndRedisLookup(method, fullKey, tags, (Task<StackExchange.Redis.RedisValue[]>)reply, fault, readStarted, start, cancellationToken, out T hit, out var lookup, out var read, out bool slow)
                        ? hit
                        : await AfterRedisReadAsync(method, fullKey, tags, state, factory, lookup, read, start, slow, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (owned is not null)
        {
            EndFlight(fullKey, owned, e);
            throw;
        }

        if (owned is not null)
        {
            CompleteFlight(fullKey, owned, value);
        }

        return value;
    }

    /// <summary>A computation over a store other than Redis: the lookup, then the factory on a miss.</summary>
    private async Task<T> ComputeAfterLookupAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken)
    {
        var lookup = await LookupAsync<T>(method, fullKey, tags, cancellationToken).ConfigureAwait(false);
        return lookup.Hit ? lookup.Value! : await MissAsync(method, fullKey, tags, state, factory, lookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a Redis read begun in <see cref="ComputeAsync"/>: true with the value of a plain hit; false when the read failed
    /// (<paramref name="lookup"/> is then a miss without write-back) or needs <see cref="LookupSlowAsync"/> (<paramref name="slow"/>).
    /// </summary>
    private bool EndRedisLookup<T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        Task<StackExchange.Redis.RedisValue[]> reply,
        Exception? fault,
        long readStarted,
        LookupStart start,
        CancellationToken cancellationToken,
        out T value,
        out Lookup<T> lookup,
        out StoreRead read,
        out bool slow)
    {
        value = default!;
        slow = false;
        if (!_access.EndRead(reply, fault, method.Namespace, readStarted, out read))
        {
            ReadFailed(method.Namespace);
            lookup = default;
            return false;
        }

        // as LookupAsync: a caller that gave up while the reply was on its way is not served from it
        cancellationToken.ThrowIfCancellationRequested();
        if (TryEndLookup(method, fullKey, tags, read, start, out lookup))
        {
            value = lookup.Value!;
            return true;
        }

        slow = true;
        return false;
    }

    /// <summary>A Redis read that was not a plain hit: the general lookup path when needed, then the factory on a miss.</summary>
    private async Task<T> AfterRedisReadAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Lookup<T> lookup,
        StoreRead read,
        LookupStart start,
        bool slow,
        CancellationToken cancellationToken)
    {
        if (slow)
        {
            lookup = await LookupSlowAsync<T>(method, fullKey, tags, read, start, cancellationToken).ConfigureAwait(false);
        }

        return lookup.Hit ? lookup.Value! : await MissAsync(method, fullKey, tags, state, factory, lookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a hit path's read: one <c>GET</c> of the entry when <paramref name="start"/> holds local stamps, else the
    /// <c>MGET</c> of the entry and its stamps. Null when the accessor refused or failed it (counted there).
    /// </summary>
    private Task? BeginRead(CachedMethod method, string fullKey, LookupStart start, out long started)
    {
        if (start.Stamps is not null and not L1Cache.Snapshot)
        {
            return _access.TryBeginGet(method.Namespace, fullKey, out var get, out started) ? get : null;
        }

        return _access.TryBeginRead(method.Namespace, fullKey, start.StampKeys, out var reply, out started) ? reply : null;
    }

    /// <summary>
    /// Ends a <c>GET</c> begun in <see cref="ComputeAsync"/> against the stamps this process holds: true with the value
    /// when the entry matches them and they are still trusted; false when the read failed (<paramref name="failed"/>:
    /// a miss without write-back, as for the <c>MGET</c>) or the entry proves nothing (absent, a tombstone, other stamps,
    /// a copy no longer trusted): then <see cref="AfterLocalReadAsync"/> reads it again with its stamps.
    /// </summary>
    private bool EndLocalLookup<T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        Task<StackExchange.Redis.RedisValue> reply,
        Exception? fault,
        long readStarted,
        LookupStart start,
        CancellationToken cancellationToken,
        out T value,
        out bool failed)
    {
        value = default!;
        failed = false;
        if (!_access.EndGet(reply, fault, method.Namespace, readStarted, out byte[]? bytes))
        {
            ReadFailed(method.Namespace);
            failed = true;
            return false;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (bytes is null || !Envelope.TryMatch(bytes, fullKey, method.SchemaFingerprint, start.Stamps!, tags, out long createdUnixMs, out int payloadStart)
            || !Tokens!.StillTrusted(start.Stamps!))
        {
            return false;
        }

        if (!TryReadHit(method, bytes, payloadStart, createdUnixMs, out T? read))
        {
            return false;
        }

        value = read!;
        Hit(method.Namespace, fullKey);
        L1FromStore(method, fullKey, tags, start.L1, value, bytes);
        return true;
    }

    /// <summary>After a <c>GET</c> against local stamps that was not a plain hit: a miss if the read failed, else the <c>MGET</c> path (which also refreshes the local stamps).</summary>
    private async Task<T> AfterLocalReadAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        LookupStart start,
        bool failed,
        CancellationToken cancellationToken)
    {
        if (failed)
        {
            return await MissAsync<TState, T>(method, fullKey, tags, state, factory, default, cancellationToken).ConfigureAwait(false);
        }

        // as a lookup without local stamps: the stamp keys, and the versions the refreshed copies are kept under
        start = start with { StampKeys = StampKeys(method.Namespace, tags), Stamps = StampSnapshot(method.Namespace, fullKey, tags, start.L1) };
        var lookup = await LookupReadAsync<T>(method, fullKey, tags, start, cancellationToken).ConfigureAwait(false);
        return lookup.Hit ? lookup.Value! : await MissAsync(method, fullKey, tags, state, factory, lookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A miss: runs the factory and writes back, waiting for the write at most what the read left of the operation timeout.</summary>
    private async Task<T> MissAsync<TState, T>(
        CachedMethod method,
        string fullKey,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Lookup<T> lookup,
        CancellationToken cancellationToken)
    {
        // the caller waits for the cache at most one operation timeout in all: the write-back gets what the read left
        TimeSpan budget = TimeSpan.FromMilliseconds(_options.OperationTimeoutMs) - _time.GetElapsedTime(lookup.StartedAt);
        T value = await factory(state, cancellationToken).ConfigureAwait(false);
        if (lookup.CanWrite)
        {
            var write = WriteBackAsync(method, fullKey, tags, lookup, value);
            if (!write.IsCompleted && budget > TimeSpan.Zero)
            {
                // it goes on in the background under its own timeout and never throws: the budget running out ends
                // this wait without an exception (a frozen store would otherwise throw one per miss)
                await write.WaitAsync(budget, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return value;
    }

    /// <summary>Reads the entry and the stamps it must match. Never throws for a store fault.</summary>
    private async ValueTask<Lookup<T>> LookupAsync<T>(CachedMethod method, string fullKey, string[]? tags, CancellationToken cancellationToken)
    {
        if (L1IsStore(method.Namespace))
        {
            return L1StoreLookup<T>(method, fullKey, tags); // e11: L1 is the embedded store (no store read)
        }

        if (!BeginLookup(method, fullKey, tags, out var start, local: false))
        {
            return default;
        }

        return await LookupReadAsync<T>(method, fullKey, tags, start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The read of <see cref="LookupAsync"/> once begun: the entry and its stamps.</summary>
    private async ValueTask<Lookup<T>> LookupReadAsync<T>(CachedMethod method, string fullKey, string[]? tags, LookupStart start, CancellationToken cancellationToken)
    {
        var (ok, read) = await _access.ReadAsync(method.Namespace, fullKey, start.StampKeys, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            ReadFailed(method.Namespace);
            return default;
        }

        // a synchronous caller that stopped waiting has been served without the cache: nothing more to count or write
        cancellationToken.ThrowIfCancellationRequested();
        return TryEndLookup<T>(method, fullKey, tags, read, start, out var lookup)
            ? lookup
            : await LookupSlowAsync<T>(method, fullKey, tags, read, start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a lookup fixes before its read: false (a counted miss) when the store must not be read now.</summary>
    private bool BeginLookup(CachedMethod method, string fullKey, string[]? tags, out LookupStart start, bool local)
    {
        if (BypassesStore(method.Namespace, fullKey, tags))
        {
            // an invalidation of this entry has not reached the store yet: what the store holds may be stale
            Miss(method.Namespace, fullKey);
            start = default;
            return false;
        }

        var l1 = L1Snapshot(method, fullKey, tags);
        long now = _time.GetTimestamp();
        long adminEpoch = Volatile.Read(ref _adminEpoch);
        if (local && Tokens is { } tokens && tokens.TryGet(method.Namespace, tags, now, out object held))
        {
            // every stamp is held and trusted: the read is one GET of the entry (docs/design.md "Local stamps")
            start = new LookupStart(null!, l1, now, adminEpoch, held);
            return true;
        }

        start = new LookupStart(StampKeys(method.Namespace, tags), l1, now, adminEpoch, StampSnapshot(method.Namespace, fullKey, tags, l1));
        return true;
    }

    /// <summary>
    /// The local stamp copies (<see cref="StampTokens"/>), or null: only with the backplane, and only while L1 is on in
    /// general (<c>L1:Enabled</c>); with it off, every read checks Redis's stamps (strict), whatever a namespace's own L1 switch.
    /// </summary>
    private StampTokens? Tokens =>
        _backplane is not { } backplane || !_options.L1.Enabled ? null
        : _stampTokens ?? MakeTokens(backplane);

    private StampTokens? _stampTokens;

    private StampTokens MakeTokens(RedisBackplane backplane)
    {
        // as many tag copies as L1 keeps tag counters (L1Cache: max(1,024, 4 × L1:MaxEntries))
        var tokens = new StampTokens(_l1!, backplane, _time, TimeSpan.FromSeconds(_options.L1.TtlSeconds), Math.Max(1024, 4 * _options.L1.MaxEntries));
        Interlocked.CompareExchange(ref _stampTokens, tokens, null);
        return _stampTokens!;
    }

    /// <summary>The versions the stamps a read finds are kept under (<see cref="StampTokens.Keep"/>), taken before the read; null when no copy may be kept now.</summary>
    private L1Cache.Snapshot? StampSnapshot(string ns, string fullKey, string[]? tags, L1Cache.Snapshot? l1) =>
        Tokens is null || !_backplane!.IsSynced ? null : l1 ?? _l1!.Take(ns, fullKey, tags);

    /// <summary>The read failed or was refused (counted by the accessor): a miss served without the cache.</summary>
    private void ReadFailed(string ns)
    {
        Interlocked.Increment(ref _misses);
        _metrics.Request(RequestResult.Error, ns);
    }

    /// <summary>A read that returned: true with a hit when its entry is sound; false for everything else (<see cref="LookupSlowAsync"/>).</summary>
    private bool TryEndLookup<T>(CachedMethod method, string fullKey, string[]? tags, StoreRead read, LookupStart start, out Lookup<T> lookup)
    {
        lookup = default;
        if (!read.TryGetStampBytes(out var reply))
        {
            return false;
        }

        if (start.Stamps is L1Cache.Snapshot snapshot)
        {
            // every stamp is present: kept as local copies under the versions taken before this read (its lifetime
            // counted from when the lookup started, before any read of it)
            _stampTokens?.Keep(method.Namespace, tags, snapshot, reply, start.StartedAt);
        }

        if (read.Value is not { } bytes || !TryHit(method, fullKey, tags, bytes, reply, out T? hit))
        {
            return false;
        }

        Hit(method.Namespace, fullKey);
        L1FromStore(method, fullKey, tags, start.L1, hit, bytes);
        lookup = new Lookup<T>(true, hit, false, default, null, start.StartedAt, start.AdminEpoch, start.L1);
        return true;
    }

    /// <summary>A read that is not a plain hit: missing stamps recreated, the entry decoded (corruption counted), a miss, the reservation.</summary>
    private async ValueTask<Lookup<T>> LookupSlowAsync<T>(CachedMethod method, string fullKey, string[]? tags, StoreRead read, LookupStart start, CancellationToken cancellationToken)
    {
        string ns = method.Namespace;
        string[] stampKeys = start.StampKeys;
        var l1 = start.L1;
        long startedAt = start.StartedAt;
        long adminEpoch = start.AdminEpoch;
        byte[]? entryBytes = read.Value;

        // a missing stamp (evicted, expired, flushed, deleted by hand) means "invalidated at an unknown time", never
        // "never invalidated": it is recreated with a new value, so no entry written before can match it, and the read
        // is a counted miss. A stamp always exists before the first write that records it
        string?[] stamps = read.Stamps();
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

        if (entryBytes is { } bytes)
        {
            header = bytes.AsMemory(0, Math.Min(bytes.Length, Envelope.HeaderLength));
            // decoded even when a stamp was missing, so a corrupt entry is still counted and overwritten
            if (TryDecode(method, fullKey, tags, bytes, stamps, out T? value) && !stampMissing)
            {
                Hit(ns, fullKey);
                L1FromStore(method, fullKey, tags, l1, value, bytes);
                return new Lookup<T>(true, value, false, header, stamps, startedAt, adminEpoch, l1);
            }
        }

        Miss(ns, fullKey);
        if (entryBytes is null && !CheckReadOnly().Writes)
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

        if (ok && !reserved)
        {
            // the read may have taken a key of another type for an absent one (Redis MGET): a plain read of the key
            // tells it apart, and such a key is overwritten like any foreign value
            var (reread, again) = await ExecuteStoreAsync(
                StoreOperation.Read,
                ns,
                fullKey,
                static (store, key, ct) => store.ReadAsync(key, [], ct),
                cancellationToken).ConfigureAwait(false);
            if (reread && again.Value is { } other && other.AsSpan().SequenceEqual(Stores.RedisCacheStore.WrongTypeMarker))
            {
                return new Lookup<T>(false, default, true, again.Value, stamps, startedAt, adminEpoch, l1);
            }
        }

        // not reserved: another writer (another process's write-back, an invalidation) came first, or the store refused
        // (a fault, OOM): this call's value is not written back
        return new Lookup<T>(false, default, ok && reserved, reservation, stamps, startedAt, adminEpoch, l1);
    }

    /// <summary>
    /// The stamps a read of an entry must check: the prefix's epoch, the namespace stamp, then one stamp per tag
    /// (KeyLayout: StampsOffset). Shared, never written to, for an untagged read.
    /// </summary>
    private string[] StampKeys(string ns, string[]? tags)
    {
        if (tags is not { Length: > 0 })
        {
            return _scopeStampKeys.TryGetValue(ns, out string[]? keys)
                ? keys
                : _scopeStampKeys.GetOrAdd(ns, static (n, client) => [client.EpochKey, client.NamespaceStampKey(n)], this);
        }

        var stampKeys = new string[StampsOffset + tags.Length];
        stampKeys[0] = EpochKey;
        stampKeys[1] = NamespaceStampKey(ns);
        for (int i = StampsOffset; i < stampKeys.Length; i++)
        {
            stampKeys[i] = TagStampKey(tags[i - StampsOffset]);
        }

        return stampKeys;
    }

    /// <summary>Counts, meters and logs a hit served from the store (an L1 hit at the entry is counted apart).</summary>
    private void Hit(string ns, string fullKey)
    {
        Interlocked.Increment(ref _hits);
        _metrics.Request(RequestResult.Hit, ns);
        Log.Hit(_logger, fullKey);
    }

    private void Miss(string ns, string fullKey)
    {
        Interlocked.Increment(ref _misses);
        _metrics.Request(RequestResult.Miss, ns);
        Log.Miss(_logger, fullKey);
        CacheCall.Current?.OnMiss();
    }

    /// <summary>
    /// The hit path's check of a Redis reply: a sound entry of this key, type and stamps, compared in place as UTF-8
    /// (nothing decoded but the value). False sends the read down the general path, which decodes, counts and logs
    /// what is wrong (<see cref="TryDecode"/>).
    /// </summary>
    private bool TryHit<T>(CachedMethod method, string fullKey, string[]? tags, byte[] bytes, StackExchange.Redis.RedisValue[] reply, out T? value)
    {
        value = default;
        return Envelope.TryMatch(bytes, fullKey, method.SchemaFingerprint, reply, tags, out long createdUnixMs, out int payloadStart)
            && TryReadHit(method, bytes, payloadStart, createdUnixMs, out value);
    }

    /// <summary>
    /// The value of an entry that matched in place, from its payload at <paramref name="payloadStart"/>; false when it
    /// does not read (the general path then decodes, counts and logs it).
    /// </summary>
    private bool TryReadHit<T>(CachedMethod method, byte[] bytes, int payloadStart, long createdUnixMs, out T? value)
    {
        try
        {
            value = DeserializeValue<T>(method, bytes.AsMemory(payloadStart));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            value = default;
            return false;
        }

        CacheCall.Current?.OnHit(createdUnixMs);
        return true;
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
        if (lookup.Stamps is null)
        {
            // e11: only L1StoreLookup makes a writable lookup without stamps: L1 is the embedded store
            L1StoreWrite(method, fullKey, tags, lookup, value);
            return;
        }

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

        if (PayloadToWrite(method, value) is not { } payload)
        {
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

    /// <summary>The value's bytes for a write, or null when it is not written: it does not serialize, or it is larger than <see cref="CacheGenOptions.MaxPayloadBytes"/> (counted and logged).</summary>
    private byte[]? PayloadToWrite<T>(CachedMethod method, T value)
    {
        if (SerializeValue(method, value) is not { } payload)
        {
            return null;
        }

        if (payload.Length > _options.MaxPayloadBytes)
        {
            _metrics.Error(StoreErrorType.Oversize, StoreOperation.Write, method.Namespace);
            Log.Oversize(_logger, method.Namespace, payload.Length, _options.MaxPayloadBytes);
            return null;
        }

        return payload;
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

    /// <summary>What a lookup fixed before its read: the stamp keys, the L1 versions, when it started, the operator-delete epoch.</summary>
    /// <remarks>
    /// <see cref="Stamps"/> is one field for two exclusive cases, so that the hit's async frame stays small: the local
    /// stamp copies <see cref="StampTokens.TryGet"/> gave (then the read is one <c>GET</c> and <see cref="StampKeys"/>
    /// is null), or the <see cref="L1Cache.Snapshot"/> the stamps this read finds are kept under (or null: not kept).
    /// </remarks>
    private readonly record struct LookupStart(string[] StampKeys, L1Cache.Snapshot? L1, long StartedAt, long AdminEpoch, object? Stamps = null);

    /// <summary>The result of reading one entry.</summary>
    private readonly record struct Lookup<T>(bool Hit, T? Value, bool CanWrite, ReadOnlyMemory<byte> Header, string?[]? Stamps, long StartedAt, long AdminEpoch, L1Cache.Snapshot? L1 = null);
}
