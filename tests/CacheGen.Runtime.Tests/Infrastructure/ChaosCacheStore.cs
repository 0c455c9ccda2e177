using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// Wraps a <see cref="MemoryCacheStore"/> and injects faults and latency (after FusionCache's <c>Chaos*</c>):
/// <see cref="FailNext"/>, <see cref="Faulted"/>, <see cref="Delay"/>; counts calls per operation. As an
/// <see cref="ICacheStoreInfo"/> it plays a replica (<see cref="ReadOnly"/>) and reports <see cref="ServerInfo"/>.
/// </summary>
public sealed class ChaosCacheStore : ICacheStore, ICacheStoreInfo
{
    private readonly TimeProvider _delayClock;
    private int _failNext;
    private long _delayTicks;
    private int _reads;
    private int _writes;
    private int _removes;
    private int _stampWrites;
    private int _stampEnsures;
    private int _patternRemoves;
    private int _serverInfoReads;
    private int _readOnlyChecks;
    private volatile bool _readOnly;
    private int _faults;
    private int _inFlight;

    /// <summary>Creates the store over <paramref name="inner"/>; <paramref name="delayClock"/> times <see cref="Delay"/> (default: the system clock).</summary>
    public ChaosCacheStore(MemoryCacheStore inner, TimeProvider? delayClock = null)
    {
        Inner = inner;
        _delayClock = delayClock ?? TimeProvider.System;
    }

    /// <summary>Gets the wrapped store, for arranging raw bytes.</summary>
    public MemoryCacheStore Inner { get; }

    /// <inheritdoc/>
    public string Name => "chaos";

    /// <summary>Gets or sets whether every call fails.</summary>
    public bool Faulted { get; set; }

    /// <summary>Gets or sets whether every write-back fails (reads and invalidations pass).</summary>
    public bool FailWrites { get; set; }

    /// <summary>Gets or sets how faults are raised.</summary>
    public BreakType BreakType { get; set; } = BreakType.Asynchronous;

    /// <summary>Gets or sets what a fault throws.</summary>
    public Func<Exception> Exception { get; set; } = static () => new ChaosException();

    /// <summary>Gets the number of <see cref="ReadAsync"/> calls.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Gets the number of <see cref="WriteIfUnchangedAsync"/> calls.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Gets the number of <see cref="RemoveAsync"/> calls.</summary>
    public int Removes => Volatile.Read(ref _removes);

    /// <summary>Gets the number of <see cref="SetStampAsync"/> calls.</summary>
    public int StampWrites => Volatile.Read(ref _stampWrites);

    /// <summary>Gets the number of <see cref="RemoveByPatternAsync"/> calls.</summary>
    public int PatternRemoves => Volatile.Read(ref _patternRemoves);

    /// <summary>Gets the number of <see cref="GetServerInfoAsync"/> calls.</summary>
    public int ServerInfoReads => Volatile.Read(ref _serverInfoReads);

    /// <summary>Gets the number of times <see cref="IsReadOnly"/> was read.</summary>
    public int ReadOnlyChecks => Volatile.Read(ref _readOnlyChecks);

    /// <summary>Gets the number of calls of any kind.</summary>
    public int Calls => Reads + Writes + Removes + StampWrites + PatternRemoves;

    /// <summary>Gets or sets whether the store plays a replica: <see cref="IsReadOnly"/> reports it (calls still pass).</summary>
    public bool ReadOnly
    {
        get => _readOnly;
        set => _readOnly = value;
    }

    /// <summary>Gets or sets what <see cref="GetServerInfoAsync"/> returns (faults and delays apply).</summary>
    public CacheStoreServerInfo ServerInfo { get; set; } = new(null, null, null, null);

    /// <inheritdoc/>
    public bool IsReadOnly
    {
        get
        {
            Interlocked.Increment(ref _readOnlyChecks);
            return _readOnly;
        }
    }

    /// <summary>Gets the number of faults injected so far.</summary>
    public int Faults => Volatile.Read(ref _faults);

    /// <summary>Gets the number of delayed or faulting calls that have not finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gets the TTL of the last write-back.</summary>
    public TimeSpan? LastWriteTtl { get; private set; }

    /// <summary>Makes the next <paramref name="count"/> calls fail.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    /// <summary>Makes every call wait <paramref name="delay"/> first, honouring the token; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    public void Delay(TimeSpan delay) => Interlocked.Exchange(ref _delayTicks, delay.Ticks);

    /// <summary>Puts <paramref name="bytes"/> under <paramref name="key"/> in the inner store, whatever is there (a raw SET).</summary>
    public async Task PutRawAsync(string key, byte[] bytes)
    {
        var current = await Inner.ReadAsync(key, [], CancellationToken.None).ConfigureAwait(false);
        byte[] header = current.Value is { } v ? v[..Math.Min(v.Length, CacheGen.Internal.Envelope.HeaderLength)] : [];
        bool written = await Inner.WriteIfUnchangedAsync(key, header, bytes, TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
        if (!written)
        {
            throw new InvalidOperationException("raw write refused");
        }
    }

    /// <summary>Reads the raw bytes under <paramref name="key"/> in the inner store.</summary>
    public async Task<byte[]?> GetRawAsync(string key) => (await Inner.ReadAsync(key, [], CancellationToken.None).ConfigureAwait(false)).Value;

    /// <inheritdoc/>
    public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return RunAsync((key, stampKeys), static (inner, s, ct) => inner.ReadAsync(s.key, s.stampKeys, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        LastWriteTtl = ttl;
        return RunAsync((key, expectedHeader, value, ttl), static (inner, s, ct) => inner.WriteIfUnchangedAsync(s.key, s.expectedHeader, s.value, s.ttl, ct), cancellationToken, FailWrites);
    }

    /// <inheritdoc/>
    public ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _removes);
        return new ValueTask(RunAsync((key, tombstone, tombstoneTtl), static async (inner, s, ct) =>
        {
            await inner.RemoveAsync(s.key, s.tombstone, s.tombstoneTtl, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).AsTask());
    }

    /// <inheritdoc/>
    public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _stampWrites);
        return new ValueTask(RunAsync((stampKey, stamp, ttl), static async (inner, s, ct) =>
        {
            await inner.SetStampAsync(s.stampKey, s.stamp, s.ttl, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).AsTask());
    }

    /// <summary>Gets the number of <see cref="EnsureStampAsync"/> calls (not part of <see cref="Calls"/>).</summary>
    public int StampEnsures => Volatile.Read(ref _stampEnsures);

    /// <inheritdoc/>
    public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _stampEnsures);
        return RunAsync((stampKey, candidate, ttl), static (inner, s, ct) => inner.EnsureStampAsync(s.stampKey, s.candidate, s.ttl, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _patternRemoves);
        return RunAsync(pattern, static (inner, p, ct) => inner.RemoveByPatternAsync(p, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<CacheStoreServerInfo> GetServerInfoAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _serverInfoReads);
        return RunAsync(this, static (_, self, _) => new ValueTask<CacheStoreServerInfo>(self.ServerInfo), cancellationToken);
    }

    private bool ShouldFail()
    {
        if (Faulted)
        {
            return true;
        }

        while (true)
        {
            int left = Volatile.Read(ref _failNext);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _failNext, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private ValueTask<TResult> RunAsync<TState, TResult>(TState state, Func<MemoryCacheStore, TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken, bool forceFail = false)
    {
        bool fail = forceFail || ShouldFail();
        var delay = TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        if (fail)
        {
            Interlocked.Increment(ref _faults);
            if (BreakType == BreakType.Synchronous && delay == TimeSpan.Zero)
            {
                throw Exception();
            }
        }

        if (!fail && delay == TimeSpan.Zero)
        {
            return action(Inner, state, cancellationToken);
        }

        return SlowAsync(state, action, fail, delay, cancellationToken);
    }

    private async ValueTask<TResult> SlowAsync<TState, TResult>(TState state, Func<MemoryCacheStore, TState, CancellationToken, ValueTask<TResult>> action, bool fail, TimeSpan delay, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await DelayAsync(delay, cancellationToken).ConfigureAwait(false);
            }

            if (fail)
            {
                if (BreakType == BreakType.AsynchronousYield)
                {
                    await Task.Yield();
                }

                throw Exception();
            }

            return await action(Inner, state, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        // continuations run inline (unlike Task.Delay's, and with no captured context), so a cancelled delay has
        // unwound the client's store call, breaker accounting included, before the cancelling caller sees its exception
        var done = new TaskCompletionSource();
        using var timer = _delayClock.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, delay, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static (s, token) => ((TaskCompletionSource)s!).TrySetCanceled(token), done);
        await done.Task.ConfigureAwait(false);
    }
}
