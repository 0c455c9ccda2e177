using CacheGen.Internal;

namespace CacheGen;

/// <summary>
/// The in-process level (issue 11): <see cref="L1Cache"/> in front of the store, and the Redis backplane that keeps
/// every process's copy honest. The GetOrSet path calls in through one-line hooks: <see cref="L1Hit"/> and <see cref="L1Value"/> before a
/// lookup, <see cref="L1Snapshot"/> before the store read, <see cref="L1FromStore"/> on a store hit and
/// <see cref="L1FromWrite"/> after a write-back the store accepted.
/// </summary>
public sealed partial class CacheClient
{
    private L1Cache? _l1;

    /// <summary>Hits served by L1: striped, since concurrent hits would otherwise all write one cache line (<see cref="GetStatistics"/> adds them to the store's).</summary>
    private readonly StripedCounter _l1Hits = new();
    private RedisBackplane? _backplane;
    private Stores.MemoryCacheStore? _memoryStore;

    /// <summary>Gets the in-process level, or null when it is off (for tests).</summary>
    internal L1Cache? L1 => _l1;

    /// <summary>Gets the backplane, or null when there is none (the in-memory store, or L1 off).</summary>
    internal RedisBackplane? Backplane => _backplane;

    /// <summary>
    /// Creates L1 when it is on and can be kept honest: in front of the in-memory store (one process: its own
    /// invalidations are all there are) or of Redis with the backplane. Never in front of another store, whose other
    /// clients this process could not hear.
    /// </summary>
    private void StartL1()
    {
        if (_store is Stores.MemoryCacheStore memory)
        {
            // counted whether or not L1 is on here: another client's L1 must learn the store is shared
            memory.Attach();
            _memoryStore = memory;
        }

        var options = _options.L1;
        if (!options.Enabled && !_options.Namespaces.Values.Any(n => n.L1 == true))
        {
            return;
        }

        switch (_store)
        {
            case Stores.MemoryCacheStore embedded:
                _l1 = new L1Cache(options.MaxEntries, options.MaxBytes, _time);
                _l1IsStore = embedded.Embedded;
                break;
            case Stores.RedisCacheStore redis:
                _l1 = new L1Cache(options.MaxEntries, options.MaxBytes, _time);
                _backplane = new RedisBackplane(redis, _prefix, _l1, options.BackplanePingMs, _time, _logger);
                break;
        }
    }

    private void StopL1() => _backplane?.Dispose();

    /// <summary>
    /// Whether L1 may be the store of its namespaces: the client's store is the in-memory one <c>AddCacheGen</c> made
    /// (<see cref="Stores.MemoryCacheStore.Embedded"/>) and L1 is built. See <see cref="L1IsStore"/>.
    /// </summary>
    private bool _l1IsStore;

    /// <summary>
    /// Whether <paramref name="namespace"/>'s values live only in L1 now: L1 is the embedded store (<see cref="_l1IsStore"/>),
    /// L1 is on for the namespace, and no other client uses the store (<see cref="Stores.MemoryCacheStore.Shared"/>;
    /// once one does, L1 serves nothing and the namespace goes back to the store, empty for it: misses, never stale).
    /// </summary>
    private bool L1IsStore(string @namespace) => L1IsStoreNow && L1On(@namespace);

    /// <summary>Whether L1 is the embedded store now (for its namespaces): as <see cref="L1IsStore"/>, for any namespace.</summary>
    private bool L1IsStoreNow => _l1IsStore && _memoryStore?.Shared != true;

    /// <summary>
    /// The lookup of a namespace whose store is L1 (<see cref="L1IsStore"/>), in place of the store read: the snapshot
    /// of L1's versions first (the write is refused if anything it covers is invalidated after it), then L1 itself,
    /// which another caller's computation may have filled since this caller's entry check. A miss returns a lookup
    /// without stamps, which <c>WriteBackAsync</c> hands to <see cref="L1StoreWrite"/>.
    /// </summary>
    private Lookup<T> L1StoreLookup<T>(CachedMethod method, string fullKey, string[]? tags)
    {
        if (BypassesStore(method.Namespace, fullKey, tags))
        {
            // an invalidation of this entry is queued (not yet applied, so not yet in L1's versions): serve without the cache
            Miss(method.Namespace, fullKey);
            return default;
        }

        var snapshot = L1Snapshot(method, fullKey, tags);
        long startedAt = _time.GetTimestamp();
        long adminEpoch = Volatile.Read(ref _adminEpoch);
        if (snapshot is not null && _l1!.Get(fullKey, method) is { } entry && SameTags(entry.Tags, tags) && L1StoreValue(method, entry, out T? value))
        {
            Hit(method.Namespace, fullKey);
            CacheCall.Current?.OnHit(entry.CreatedUnixMs);
            return new Lookup<T>(true, value, false, default, null, startedAt, adminEpoch, snapshot);
        }

        Miss(method.Namespace, fullKey);
        return new Lookup<T>(false, default, snapshot is not null, default, null, startedAt, adminEpoch, snapshot);
    }

    /// <summary>An L1 entry's value for <see cref="L1StoreLookup"/>: the instance, or a copy read from the bytes (false, and the entry dropped, when they no longer read).</summary>
    private bool L1StoreValue<T>(CachedMethod method, L1Cache.Entry entry, out T? value)
    {
        if (entry.HasInstance)
        {
            value = (T)entry.Instance!;
            return true;
        }

        try
        {
            value = DeserializeValue<T>(method, entry.Bytes);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _l1?.InvalidateKey(entry.FullKey);
            value = default;
            return false;
        }
    }

    /// <summary>
    /// The write-back of a namespace whose store is L1: the value goes into L1 alone, for the method's TTL with its
    /// jitter (no <see cref="CacheGenL1Options.TtlSeconds"/> cap: nothing else can change it), unless something it
    /// covers was invalidated since the lookup's snapshot (<see cref="L1Cache.Set"/> refuses it) or an operator
    /// deleted keys by pattern since the lookup began (the admin epoch, checked before and after the set: a pattern
    /// delete removes L1's matching entries after it bumps the epoch, so an entry set after that pass is dropped here).
    /// </summary>
    private void L1StoreWrite<T>(CachedMethod method, string fullKey, string[]? tags, Lookup<T> lookup, T value)
    {
        string ns = method.Namespace;
        if (lookup.L1 is not { } snapshot || _l1 is not { } l1)
        {
            return;
        }

        if (CheckReadOnly().Writes)
        {
            Log.WriteSkippedReadOnly(_logger, fullKey);
            return;
        }

        if (lookup.AdminEpoch != Volatile.Read(ref _adminEpoch) || !l1.IsCurrent(snapshot))
        {
            // an invalidation (or an operator delete) came during Core: this value may be what it removed
            _metrics.Error(StoreErrorType.WriteRejected, StoreOperation.Write, ns);
            Log.WriteRejected(_logger, fullKey);
            return;
        }

        if (PayloadToWrite(method, value) is not { } payload)
        {
            return;
        }

        TimeSpan ttl = EntryTtl(method);
        CacheCall.Current?.OnWrite(ttl);
        long created = _time.GetUtcNow().ToUnixTimeMilliseconds();

        // as Keep: the instance only when the generated formatter (which refuses any type outside the proven ones) wrote it
        bool instance = method is CachedMethod<T> { IsDeeplyImmutable: true };
        l1.Set(fullKey, method, tags, snapshot, instance, instance ? value : null, instance ? null : payload, payload.Length, ttl, created, instance ? Task.FromResult(value) : null);
        if (lookup.AdminEpoch != Volatile.Read(ref _adminEpoch))
        {
            // an operator delete began while this was set: its pass over L1 may have run before the set
            l1.InvalidateKey(fullKey);
            return;
        }

        Log.Set(_logger, fullKey, (long)ttl.TotalMilliseconds);
    }

    /// <summary>
    /// An operator delete of <paramref name="pattern"/> (a full-key Redis glob): the matching entries L1 holds as the
    /// store are removed and counted (live ones only, as the store counts). Zero when L1 is not the store.
    /// </summary>
    private long L1StoreRemove(string pattern, CancellationToken cancellationToken) =>
        L1IsStoreNow && _l1 is { } l1
            ? l1.RemoveMatching(System.Text.Encoding.UTF8.GetBytes(pattern), cancellationToken)
            : 0;

    /// <summary>Whether L1 is on for <paramref name="namespace"/>: its own switch, else the global one.</summary>
    private bool L1On(string @namespace) =>
        _options.Namespaces.TryGetValue(@namespace, out var ns) && ns.L1 is bool on ? on : _options.L1.Enabled;

    /// <summary>
    /// Whether L1 may be filled now: no backplane is needed (an in-memory store no other client uses), or it is in sync.
    /// </summary>
    private bool L1Writable => _backplane is null ? _memoryStore?.Shared != true : _backplane.IsSynced;

    /// <summary>
    /// Whether L1 may serve at <paramref name="now"/> (<see cref="L1Cache.Now"/>, the backplane's clock too): as
    /// <see cref="L1Writable"/>, or, with <see cref="CacheGenL1Options.ServeWhileStoreDown"/>, while the circuit is
    /// open (nothing reaches Redis, from here at least). In sync, one field read and no second clock read.
    /// </summary>
    private bool L1ReadableAt(long now) => _backplane is { } backplane
        ? backplane.IsSyncedAt(now) || (_options.L1.ServeWhileStoreDown && CircuitState == CircuitState.Open)
        : L1Writable;

    /// <summary>The longest full key a hit looks up from a stack buffer; longer ones are concatenated.</summary>
    private const int L1StackKeyLength = 256;

    /// <summary>
    /// The L1 entry that may serve this call, after every check a hit needs, or null (a miss). The full key is written
    /// into a stack buffer, not made; the tags are built (into <paramref name="tags"/>, for the miss path to reuse) only
    /// when the method's tags do not follow from its key, since only then can they differ from the entry's.
    /// </summary>
    private L1Cache.Entry? L1Hit<TState>(CachedMethod method, string key, ref string[]? tags, Func<TState, string[]>? makeTags, TState state)
    {
        // the caller checked that L1 is on for the namespace (IsEnabled's one lookup of the namespace's options)
        var l1 = _l1;
        if (l1 is null)
        {
            return null;
        }

        // one clock read, for the backplane's lease and the entry's expiry. The backplane's state first: once it shows
        // a ping that came back, every invalidation published before that ping has bumped its versions, and the
        // entry's versions are read after it (the window's bound)
        long now = l1.Now();
        if (!L1ReadableAt(now) || L1Lookup(l1, method, key, now) is not { } entry)
        {
            return null;
        }

        if (makeTags is null || !method.TagsFollowKey)
        {
            tags ??= makeTags?.Invoke(state);
            if (!SameTags(entry.Tags, tags))
            {
                return null;
            }
        }

        // the entry's tags are this call's from here on
        if (BypassesStore(method.Namespace, entry.FullKey, entry.Tags))
        {
            // an invalidation of this entry has not reached the store (nor the other processes) yet
            return null;
        }

        return entry;
    }

    private L1Cache.Entry? L1Lookup(L1Cache l1, CachedMethod method, string key, long now)
    {
        string prefix = _keys.Prefix;
        string ns = method.Namespace;
        int length = prefix.Length + ns.Length + key.Length + 2;
        if (length > L1StackKeyLength)
        {
            return l1.Get(GetFullKey(ns, key).AsSpan(), method, now);
        }

        // {prefix}:{namespace}:{key}, as KeyLayout.FullKey writes it
        Span<char> fullKey = stackalloc char[length];
        prefix.CopyTo(fullKey);
        fullKey[prefix.Length] = ':';
        ns.CopyTo(fullKey[(prefix.Length + 1)..]);
        fullKey[prefix.Length + 1 + ns.Length] = ':';
        key.CopyTo(fullKey[(prefix.Length + ns.Length + 2)..]);
        return l1.Get(fullKey, method, now);
    }

    /// <summary>
    /// A hit's value: the instance of a deeply immutable type (as a completed task kept with the entry when
    /// <paramref name="asTask"/>, so a <c>Task</c>-returning wrapper's <c>AsTask()</c> allocates nothing), else a copy
    /// deserialized from the bytes kept. False when the bytes no longer read (the entry is dropped: a miss).
    /// </summary>
    private bool L1Value<T>(CachedMethod method, L1Cache.Entry entry, bool asTask, out ValueTask<T> value)
    {
        if (entry.HasInstance)
        {
            if (!asTask)
            {
                value = new ValueTask<T>((T)entry.Instance!);
            }
            else if (entry.CompletedTask is Task<T> task)
            {
                value = new ValueTask<T>(task);
            }
            else
            {
                var made = Task.FromResult((T)entry.Instance!);
                entry.CompletedTask = made; // a race makes two equal tasks; either serves
                value = new ValueTask<T>(made);
            }
        }
        else
        {
            try
            {
                value = new ValueTask<T>(DeserializeValue<T>(method, entry.Bytes));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _l1?.InvalidateKey(entry.FullKey);
                value = default;
                return false;
            }
        }

        // a span and an outcome as for a store hit (nothing is read or allocated when nobody listens; a hit makes no
        // other call's hooks run, so it needs no call object of its own then)
        if (CacheCall.Observed)
        {
            using var call = CacheCall.Begin(method, entry.FullKey, _store.Name, _options, _time);
            call?.OnHit(entry.CreatedUnixMs);
        }

        _l1Hits.Increment();
        _metrics.Request(RequestResult.Hit, method.Namespace);
        return true;
    }

    /// <summary>The L1 versions a lookup of <paramref name="fullKey"/> must still see when it stores what it read; null when L1 is not filled now.</summary>
    private L1Cache.Snapshot? L1Snapshot(CachedMethod method, string fullKey, string[]? tags) =>
        _l1 is { } l1 && L1On(method.Namespace) && L1Writable ? l1.Take(method.Namespace, fullKey, tags) : null;

    /// <summary>Keeps a sound store hit in L1 for what is left of its TTL, at most the L1 TTL.</summary>
    private void L1FromStore<T>(CachedMethod method, string fullKey, string[]? tags, L1Cache.Snapshot? snapshot, T value, byte[] envelope)
    {
        if (snapshot is null || !L1Writable || !Envelope.TryRead(envelope, fullKey, out var entry, out _))
        {
            return;
        }

        var left = DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedUnixMs) + MethodTtl(method) - _time.GetUtcNow();
        Keep(method, fullKey, tags, snapshot, value, entry.Payload, left, entry.CreatedUnixMs);
    }

    /// <summary>Keeps a value the store accepted from this process's write-back.</summary>
    private void L1FromWrite<T>(CachedMethod method, string fullKey, string[]? tags, L1Cache.Snapshot? snapshot, T value, byte[] payload)
    {
        if (snapshot is not null && L1Writable)
        {
            Keep(method, fullKey, tags, snapshot, value, payload, MethodTtl(method), _time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    private void Keep<T>(CachedMethod method, string fullKey, string[]? tags, L1Cache.Snapshot snapshot, T value, ReadOnlyMemory<byte> payload, TimeSpan left, long createdUnixMs)
    {
        var ttl = TimeSpan.FromSeconds(Math.Min(left.TotalSeconds, _options.L1.TtlSeconds));
        if (method is CachedMethod<T> { IsDeeplyImmutable: true })
        {
            // the value was written or read by the generated formatter, which refuses any runtime type outside the
            // proven ones: this instance is one of them, and no caller can change it
            _l1!.Set(fullKey, method, tags, snapshot, true, value, null, payload.Length, ttl, createdUnixMs, Task.FromResult(value));
        }
        else
        {
            _l1!.Set(fullKey, method, tags, snapshot, false, null, payload.ToArray(), payload.Length, ttl, createdUnixMs);
        }
    }

    /// <summary>The TTL an entry is written with, before jitter (jitter only lengthens it).</summary>
    private TimeSpan MethodTtl(CachedMethod method) => TimeSpan.FromSeconds(BaseTtlSeconds(method));

    /// <summary>
    /// Runs inside the invalidation's store operation, once Redis has applied it: this process's L1 drops the entries
    /// at once, then the other processes are told. A failed publish fails the operation, so the invalidation is
    /// queued and replayed (stamps are new again, and published again) rather than leaving other processes stale.
    /// </summary>
    private async ValueTask L1AfterInvalidationAsync(Invalidation invalidation, CancellationToken cancellationToken)
    {
        if (_l1 is not { } l1)
        {
            if (_store is Stores.RedisCacheStore redis)
            {
                // no L1 here, but other processes on this Redis and prefix may keep copies: they must hear it
                await RedisBackplane.PublishWithoutL1Async(redis, _prefix, invalidation.Kind, invalidation.Target, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        switch (invalidation.Kind)
        {
            case InvalidationKind.Key:
                l1.InvalidateKey(invalidation.Target);
                break;
            case InvalidationKind.Namespace:
                l1.InvalidateNamespace(invalidation.Target);
                break;
            case InvalidationKind.Tag:
                l1.InvalidateTag(invalidation.Target);
                break;
            default:
                // the prefix's epoch: every entry under the prefix
                l1.InvalidateAll();
                break;
        }

        if (_backplane is { } backplane)
        {
            await backplane.PublishAsync(invalidation.Kind, invalidation.Target, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An operator deleted keys by pattern or cleared the prefix: everything L1 holds goes, here and (best effort) elsewhere.</summary>
    private async ValueTask L1AfterAdminDeleteAsync()
    {
        _l1?.InvalidateAll();
        if (_backplane is not null || (_l1 is null && _store is Stores.RedisCacheStore))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.OperationTimeoutMs));
                if (_backplane is { } backplane)
                {
                    await backplane.PublishClearAsync(cts.Token).ConfigureAwait(false);
                }
                else
                {
                    // no L1 here; the processes that have one drop theirs, as for this process's invalidations
                    await RedisBackplane.PublishWithoutL1Async((Stores.RedisCacheStore)_store, _prefix, InvalidationKind.Epoch, string.Empty, cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // pattern deletes do not fence other processes (docs/design.md); their L1 entries expire by their L1 TTL
            }
        }
    }

    private static bool SameTags(string[]? kept, string[]? asked)
    {
        if (ReferenceEquals(kept, asked))
        {
            return true;
        }

        int n = kept?.Length ?? 0;
        if (n != (asked?.Length ?? 0))
        {
            return false;
        }

        for (int i = 0; i < n; i++)
        {
            if (!string.Equals(kept![i], asked![i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
