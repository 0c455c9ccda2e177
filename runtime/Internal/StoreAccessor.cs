using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace CacheGen.Internal;

/// <summary>
/// The client's only way to the store: every operation runs behind the circuit breaker and its timeout here, a fault is
/// classified (<see cref="StoreErrorType"/>), counted, logged once per outage and returned as <c>ok = false</c>. Owns
/// the background probe that closes the circuit again (connection-restored event, growing break) and the outage logs.
/// </summary>
internal sealed class StoreAccessor : IDisposable
{
    private static readonly Func<ICacheStore, (string Key, string[] StampKeys), CancellationToken, ValueTask<CacheStoreReadResult>> s_read =
        static (store, s, ct) => store.ReadAsync(s.Key, s.StampKeys, ct);

    // no entry header starts with a zero byte
    private static readonly byte[] s_neverHeader = [0, 0];

    private readonly ICacheStore _store;
    private readonly CacheGenOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CacheMetrics _metrics;
    private readonly IStoreConnection? _connection;
    private readonly string _probeKey;
    private readonly CircuitBreaker _breaker;
    private readonly ResiliencePipeline _timeout;
    private readonly TimeSpan _readTimeout;
    private readonly ResiliencePipeline _writeBackTimeout;
    private readonly ResiliencePipeline _probeTimeout;
    private readonly ResiliencePipeline _adminTimeout;
    private readonly ITimer _probeTimer;
    private long _errors;
    private int _errorLogged;
    private int _writeRejectedLogged;
    private int _openLogged;
    private int _authenticationFailed;

    public StoreAccessor(ICacheStore store, CacheGenOptions options, ILogger logger, TimeProvider time, CacheMetrics metrics, string probeKey)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _time = time;
        _metrics = metrics;
        _probeKey = probeKey;
        _breaker = new CircuitBreaker(options.BreakerFailureThreshold, TimeSpan.FromMilliseconds(options.FirstBreakMs), TimeSpan.FromSeconds(options.BreakDurationSeconds), time);
        _readTimeout = TimeSpan.FromMilliseconds(options.OperationTimeoutMs);
        _timeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(TimeSpan.FromMilliseconds(options.OperationTimeoutMs))
            .Build();
        _writeBackTimeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(TimeSpan.FromMilliseconds(Math.Max(options.OperationTimeoutMs, CacheGenDefaults.WriteBackTimeoutMs)))
            .Build();
        _probeTimeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(TimeSpan.FromMilliseconds(Math.Max(options.OperationTimeoutMs, CacheGenDefaults.ProbeTimeoutMs)))
            .Build();
        _adminTimeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(TimeSpan.FromSeconds(options.AdminTimeoutSeconds))
            .Build();
        _probeTimer = time.CreateTimer(static s => _ = ((StoreAccessor)s!).ProbeAsync(now: false), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _connection = store as IStoreConnection;
        if (_connection is not null)
        {
            _connection.ConnectionRestored += OnConnectionRestored;
        }
    }

    /// <summary>Gets the state of the circuit breaker.</summary>
    public CircuitState State => _breaker.State;

    /// <summary>Gets whether the breaker lets calls through now (closed).</summary>
    public bool AllowsCalls => _breaker.AllowsCalls;

    /// <summary>Gets whether the store refused the credentials since the circuit last closed.</summary>
    public bool AuthenticationFailed => Volatile.Read(ref _authenticationFailed) == 1;

    /// <summary>Gets the number of store operations that failed or were refused by the circuit.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>
    /// Reads <paramref name="fullKey"/> and its stamps: the hit path's one store operation, behind the breaker and the
    /// operation timeout like every other. On Redis it awaits the client's own reply task, bounded by
    /// <see cref="Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/> instead of the Polly pipeline: the same
    /// timeout, clock, classification (<see cref="TimeoutException"/> is a <see cref="StoreErrorType.Timeout"/>) and
    /// late-reply rule, without a pipeline context, a linked token source and three async frames per hit
    /// (docs/design.md "The Redis hit path"). The client's own hit path calls the three steps
    /// (<see cref="TryBeginRead"/>, <see cref="BoundRead"/>, <see cref="EndRead"/>) inside its one async frame.
    /// </summary>
    public ValueTask<(bool Ok, StoreRead Result)> ReadAsync(string @namespace, string fullKey, string[] stampKeys, CancellationToken cancellationToken)
    {
        if (!ReadsRedis)
        {
            return ReadThroughPipelineAsync(@namespace, fullKey, stampKeys, cancellationToken);
        }

        if (!TryBeginRead(@namespace, fullKey, stampKeys, out var reply, out long started))
        {
            return default;
        }

        return reply.IsCompletedSuccessfully
            ? new((EndRead(reply, null, @namespace, started, out var read), read))
            : AwaitReadAsync(reply, @namespace, started, cancellationToken);
    }

    /// <summary>Gets whether the store is Redis, read through <see cref="TryBeginRead"/> rather than <see cref="ReadAsync"/>.</summary>
    public bool ReadsRedis => _store is Stores.RedisCacheStore;

    /// <summary>
    /// Sends the read of an entry and its stamps to Redis. False when the circuit refuses it, the first connect is
    /// under way, or it failed at once: counted and logged as for any operation.
    /// </summary>
    public bool TryBeginRead(string @namespace, string fullKey, string[] stampKeys, out Task<StackExchange.Redis.RedisValue[]> reply, out long started)
    {
        reply = null!;
        if (!MayBeginRead(@namespace, out started))
        {
            return false;
        }

        try
        {
            reply = ((Stores.RedisCacheStore)_store).ReadRawAsync(fullKey, stampKeys);
            return true;
        }
        catch (Exception e)
        {
            BeginReadFailed(@namespace, started, e);
            return false;
        }
    }

    /// <summary>
    /// Sends a plain <c>GET</c> of an entry whose stamps this process holds (<see cref="StampTokens"/>), with the same
    /// breaker and connect checks and accounting as <see cref="TryBeginRead"/>.
    /// </summary>
    public bool TryBeginGet(string @namespace, string fullKey, out Task<StackExchange.Redis.RedisValue> reply, out long started)
    {
        reply = null!;
        if (!MayBeginRead(@namespace, out started))
        {
            return false;
        }

        try
        {
            reply = ((Stores.RedisCacheStore)_store).GetRawAsync(fullKey);
            return true;
        }
        catch (Exception e)
        {
            BeginReadFailed(@namespace, started, e);
            return false;
        }
    }

    /// <summary>The checks before a read is sent (the circuit, the first connect), refusals counted; then its start time.</summary>
    private bool MayBeginRead(string @namespace, out long started)
    {
        started = 0;
        if (!_breaker.AllowsCalls)
        {
            Refused(StoreErrorType.CircuitOpen, StoreOperation.Read, @namespace);
            return false;
        }

        if (_connection?.FirstConnectPending == true)
        {
            Refused(StoreErrorType.Connecting, StoreOperation.Read, @namespace);
            return false;
        }

        started = _time.GetTimestamp();
        return true;
    }

    /// <summary>A read that failed as it was sent: timed, counted and logged as any failed operation.</summary>
    private void BeginReadFailed(string @namespace, long started, Exception e)
    {
        _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, StoreOperation.Read);
        Failed(StoreOperation.Read, @namespace, started, e);
    }

    /// <summary>The reply, or a task that fails with <see cref="TimeoutException"/> when it takes longer than the operation timeout.</summary>
    public Task BoundRead(Task reply, CancellationToken cancellationToken) =>
        reply.IsCompleted ? reply : reply.WaitAsync(_readTimeout, _time, cancellationToken);

    /// <inheritdoc cref="BoundRead(Task, CancellationToken)"/>
    public Task<TReply> BoundRead<TReply>(Task<TReply> reply, CancellationToken cancellationToken) =>
        reply.IsCompleted ? reply : reply.WaitAsync(_readTimeout, _time, cancellationToken);

    /// <summary>
    /// Ends a read begun by <see cref="TryBeginGet"/>, as <see cref="EndRead"/> does: the entry's bytes (null when absent),
    /// or false, counted and logged. A key of another type (<c>WRONGTYPE</c>) is a data problem, not a fault: it reads as
    /// <see cref="Stores.RedisCacheStore.WrongTypeMarker"/>, which no entry matches.
    /// </summary>
    public bool EndGet(Task<StackExchange.Redis.RedisValue> reply, Exception? fault, string @namespace, long started, out byte[]? value)
    {
        if (fault is StackExchange.Redis.RedisServerException && fault.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            value = Stores.RedisCacheStore.WrongTypeMarker;
            return EndReadCore(reply, null, @namespace, started);
        }

        if (!EndReadCore(reply, fault, @namespace, started))
        {
            value = null;
            return false;
        }

        value = (byte[]?)reply.Result;
        return true;
    }

    /// <summary>
    /// Ends a read begun by <see cref="TryBeginRead"/>: its reply, counted as a success; or, for <paramref name="fault"/>
    /// (what awaiting <see cref="BoundRead"/> threw, the caller's own cancellation excepted), false, counted and logged.
    /// A reply that arrived before the timeout fired but whose continuation ran after is used: a starved pool runs both
    /// late, a local delay rather than a store timeout (as RedisCacheStore.ReplyAsync).
    /// </summary>
    public bool EndRead(Task<StackExchange.Redis.RedisValue[]> reply, Exception? fault, string @namespace, long started, out StoreRead read)
    {
        if (!EndReadCore(reply, fault, @namespace, started))
        {
            read = default;
            return false;
        }

        read = new StoreRead(reply.Result);
        return true;
    }

    /// <summary>The accounting of <see cref="EndRead"/> and <see cref="EndGet"/>: true when <paramref name="reply"/> holds the reply to use.</summary>
    private bool EndReadCore(Task reply, Exception? fault, string @namespace, long started)
    {
        _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, StoreOperation.Read);
        if (fault is null || (fault is TimeoutException && reply.IsCompletedSuccessfully))
        {
            Report(_breaker.OnSuccess(started));
            if (Volatile.Read(ref _errorLogged) != 0)
            {
                // re-armed without writing the shared field on every hit
                Volatile.Write(ref _errorLogged, 0);
            }

            return true;
        }

        (_store as Stores.RedisCacheStore)?.NoteReadFault(fault);
        Failed(StoreOperation.Read, @namespace, started, fault);
        return false;
    }

    private async ValueTask<(bool Ok, StoreRead Result)> AwaitReadAsync(Task<StackExchange.Redis.RedisValue[]> reply, string @namespace, long started, CancellationToken cancellationToken)
    {
        Exception? fault = null;
        try
        {
            await BoundRead(reply, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            fault = e;
        }

        return (EndRead(reply, fault, @namespace, started, out var read), read);
    }

    private async ValueTask<(bool Ok, StoreRead Result)> ReadThroughPipelineAsync(string @namespace, string fullKey, string[] stampKeys, CancellationToken cancellationToken)
    {
        var (ok, read) = await ExecuteAsync(StoreOperation.Read, @namespace, (fullKey, stampKeys), s_read, cancellationToken).ConfigureAwait(false);
        return (ok, new StoreRead(read));
    }

    /// <summary>
    /// Runs one store operation behind the breaker and the timeout. A store fault is counted, logged once per
    /// outage and returned as <c>ok = false</c>; only the caller's cancellation propagates.
    /// </summary>
    public async ValueTask<(bool Ok, TResult Result)> ExecuteAsync<TState, TResult>(
        StoreOperation operation,
        string @namespace,
        TState state,
        Func<ICacheStore, TState, CancellationToken, ValueTask<TResult>> action,
        CancellationToken cancellationToken)
    {
        if (!_breaker.AllowsCalls)
        {
            // open or half-open: the background probe finds out when the store is back; callers never wait for it
            Refused(StoreErrorType.CircuitOpen, operation, @namespace);
            return (false, default!);
        }

        if (_connection?.FirstConnectPending == true)
        {
            // the first connect is still under way (it starts with the host): a miss that never waits for it and
            // never counts toward the breaker
            Refused(StoreErrorType.Connecting, operation, @namespace);
            return (false, default!);
        }

        long started = _time.GetTimestamp();
        try
        {
            // a write-back is off the caller's path (the caller waits for it at most what is left of its operation
            // timeout): it gets its own, longer bound, so a loaded machine does not lose the entry a miss computed
            var pipeline = operation == StoreOperation.Write ? _writeBackTimeout : _timeout;
            TResult result = await RunAsync(pipeline, state, action, cancellationToken).ConfigureAwait(false);
            _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, operation);
            Report(_breaker.OnSuccess(started));
            Volatile.Write(ref _errorLogged, 0);
            if (operation == StoreOperation.Write)
            {
                Volatile.Write(ref _writeRejectedLogged, 0);
            }

            return (true, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the caller gave up: says nothing about the store
            throw;
        }
        catch (Exception e)
        {
            _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, operation);
            Failed(operation, @namespace, started, e);
            return (false, default!);
        }
    }

    /// <summary>
    /// Runs once after the first connect, in the background (readiness and statistics wait for it): the read, the stamp script and the write-back's script, on the probe key, through the code calls take. Their first
    /// run compiles the client's, Polly's and StackExchange.Redis's code and loads the scripts on the server; on a loaded
    /// machine that took longer than the operation timeout, so the first call of a process timed out and cached nothing.
    /// Nothing is counted and nothing stays written (the stamp lives 1 ms; the write-back is refused); failures are logged
    /// at Debug.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        try
        {
            await RunAsync(_probeTimeout, (_probeKey, new[] { _probeKey }), s_read, cancellationToken).ConfigureAwait(false);

            // the stamp script on the probe key, with a lifetime of 1 ms: gone before anything could see or count it
            await RunAsync(
                _probeTimeout,
                (key: _probeKey, ttl: TimeSpan.FromMilliseconds(1)),
                static (store, s, ct) => store.EnsureStampAsync(s.key, "warm-up", s.ttl, ct),
                cancellationToken).ConfigureAwait(false);

            // the reservation's and the write-back's script with a header that never matches: refused, nothing written
            await RunAsync(
                _probeTimeout,
                (_probeKey, Array.Empty<byte>(), TimeSpan.FromSeconds(1)),
                static (store, s, ct) => store.WriteIfUnchangedAsync(s.Item1, s_neverHeader, s.Item2, s.Item3, ct),
                cancellationToken).ConfigureAwait(false);
            await RunAsync(
                _probeTimeout,
                (_probeKey, (ReadOnlyMemory<byte>)s_neverHeader, Array.Empty<byte>(), TimeSpan.FromSeconds(1)),
                static (store, s, ct) => store.WriteIfUnchangedAsync(s.Item1, s.Item2, s.Item3, s.Item4, ct),
                cancellationToken).ConfigureAwait(false);
            Log.StoreWarmedUp(_logger, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            Log.StoreWarmUpFailed(_logger, (long)_time.GetElapsedTime(started).TotalMilliseconds, Classify(e).Tag(), e);
        }
    }

    /// <summary>Runs <paramref name="action"/> within the operation timeout, outside the breaker (statistics).</summary>
    public ValueTask<TResult> BoundedAsync<TState, TResult>(TState state, Func<TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken) =>
        _timeout.ExecuteAsync(static (s, ct) => s.action(s.state, ct), (state, action), cancellationToken);

    /// <summary>
    /// Runs an operator command within <see cref="CacheGenOptions.AdminTimeoutSeconds"/>, through the breaker: a success
    /// closes it, a failure other than a timeout (a long scan says nothing about reads) counts. Throws what the store threw.
    /// </summary>
    public async ValueTask<TResult> AdminAsync<TState, TResult>(TState state, Func<ICacheStore, TState, CancellationToken, ValueTask<TResult>> action, long started, CancellationToken cancellationToken)
    {
        TResult result;
        try
        {
            result = await _adminTimeout.ExecuteAsync(
                static (s, ct) => s.action(s.store, s.state, ct),
                (store: _store, state, action),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && Classify(e) != StoreErrorType.Timeout)
        {
            Report(_breaker.OnFailure(started));
            throw;
        }

        Report(_breaker.OnSuccess(started));
        return result;
    }

    /// <summary>Counts an error that is not a store fault (serialization, a refused operator command) in <see cref="Errors"/>.</summary>
    public void CountError() => Interlocked.Increment(ref _errors);

    public void Dispose()
    {
        _probeTimer.Dispose();
        if (_connection is not null)
        {
            _connection.ConnectionRestored -= OnConnectionRestored;
        }
    }

    /// <summary>What a store exception says about the store.</summary>
    public static StoreErrorType Classify(Exception e) => e switch
    {
        TimeoutRejectedException or TimeoutException or StackExchange.Redis.RedisTimeoutException => StoreErrorType.Timeout,
        StackExchange.Redis.RedisConnectionException { FailureType: StackExchange.Redis.ConnectionFailureType.AuthenticationFailure } => StoreErrorType.Authentication,
        StackExchange.Redis.RedisConnectionException c when IsAuthenticationError(c.Message) || IsAuthenticationError(c.InnerException?.Message) => StoreErrorType.Authentication,
        StackExchange.Redis.RedisConnectionException or System.Net.Sockets.SocketException or ObjectDisposedException => StoreErrorType.Connection,
        StackExchange.Redis.RedisServerException when IsWriteRefusal(e.Message) => StoreErrorType.WriteRejected,
        StackExchange.Redis.RedisServerException when e.Message.StartsWith("LOADING", StringComparison.Ordinal) => StoreErrorType.Loading,
        StackExchange.Redis.RedisServerException when e.Message.StartsWith("BUSY", StringComparison.Ordinal) => StoreErrorType.Busy,
        StackExchange.Redis.RedisServerException when IsAuthenticationError(e.Message) => StoreErrorType.Authentication,
        StackExchange.Redis.RedisServerException => StoreErrorType.ServerError,
        _ => StoreErrorType.Store,
    };

    // the server's reply, or StackExchange.Redis's report of the handshake that got it ("...: NOAUTH Authentication required")
    private static bool IsAuthenticationError(string? message) =>
        message is not null && (message.Contains("NOAUTH", StringComparison.Ordinal) || message.Contains("WRONGPASS", StringComparison.Ordinal));

    // inside a script, Redis reports the refused command's error within the script error's text
    private static bool IsWriteRefusal(string message) =>
        message.Contains("OOM command not allowed", StringComparison.Ordinal) || message.Contains("READONLY", StringComparison.Ordinal);

    private ValueTask<TResult> RunAsync<TState, TResult>(ResiliencePipeline pipeline, TState state, Func<ICacheStore, TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken) =>
        pipeline.ExecuteAsync(static (s, ct) => s.action(s.store, s.state, ct), (store: _store, state, action), cancellationToken);

    private void Refused(StoreErrorType errorType, StoreOperation operation, string @namespace)
    {
        Interlocked.Increment(ref _errors);
        _metrics.Error(errorType, operation, @namespace);
        CacheCall.Current?.OnStoreError(operation, errorType);
    }

    private void Failed(StoreOperation operation, string @namespace, long started, Exception e)
    {
        StoreErrorType errorType = Classify(e);
        Refused(errorType, operation, @namespace);
        if (errorType == StoreErrorType.Authentication)
        {
            Volatile.Write(ref _authenticationFailed, 1);
        }

        // one Warning per outage; write refusals have their own flag, re-armed only by a write that succeeds,
        // because reads keep succeeding meanwhile and would re-arm the general one on every call
        ref int logged = ref errorType == StoreErrorType.WriteRejected ? ref _writeRejectedLogged : ref _errorLogged;
        if (Interlocked.Exchange(ref logged, 1) == 0)
        {
            if (errorType == StoreErrorType.Authentication)
            {
                Log.AuthenticationFailed(_logger, operation.Tag(), e);
            }
            else
            {
                Log.StoreError(_logger, operation.Tag(), errorType.Tag(), @namespace, e);
            }
        }
        else
        {
            Log.StoreErrorRepeated(_logger, operation.Tag(), errorType.Tag(), @namespace, e);
        }

        // a server that refuses a write (maxmemory with noeviction, a replica) is up and serving reads:
        // feeding the breaker would stop the reads too (docs/design.md S7)
        if (errorType != StoreErrorType.WriteRejected)
        {
            Report(_breaker.OnFailure(started));
        }
    }

    /// <summary>The connection came back (or the first connect finished): probe at once if the circuit is open.</summary>
    private void OnConnectionRestored() => _ = ProbeAsync(now: true, retry: true);

    /// <summary>
    /// Probes the open circuit in the background: one read of the probe key, waited for up to the probe timeout, so a
    /// server that was only frozen (DEBUG SLEEP, a long script) closes the circuit with its late reply. Only one probe is
    /// out at a time; the next is scheduled by the breaker's growing break.
    /// </summary>
    private async Task ProbeAsync(bool now, bool retry = false)
    {
        var spacing = TimeSpan.FromMilliseconds(CacheGenDefaults.ProbeSpacingMs);
        if (!_breaker.TryBeginProbe(now, spacing, out long probeId, out var transition))
        {
            if (now && retry && _breaker.State != CircuitState.Closed)
            {
                // a probe started just before the connection came back (and likely failed on the dead one): the
                // restored connection still gets its own probe, once the spacing has passed
                await Task.Delay(spacing, _time).ConfigureAwait(false);
                await ProbeAsync(now: true).ConfigureAwait(false);
                return;
            }

            if (!now && _breaker.State == CircuitState.Open)
            {
                // the timer fired a little early
                ScheduleProbe(_breaker.BreakRemaining);
            }

            return;
        }

        Report(transition);
        ProbeResult result;
        long started = _time.GetTimestamp();
        try
        {
            await _probeTimeout.ExecuteAsync(
                static (s, ct) => s.store.ReadAsync(s.key, [], ct),
                (store: _store, key: _probeKey),
                CancellationToken.None).ConfigureAwait(false);
            result = ProbeResult.Success;
        }
        catch (Exception e)
        {
            StoreErrorType errorType = Classify(e);
            _metrics.Error(errorType, StoreOperation.Probe, "*");
            Log.StoreErrorRepeated(_logger, StoreOperation.Probe.Tag(), errorType.Tag(), "*", e);
            // a probe right after a restored connection that still fails (the server is loading, or the connection
            // was not quite ready) tries again soon instead of growing the break
            result = now || errorType is StoreErrorType.Loading or StoreErrorType.Busy ? ProbeResult.Transient : ProbeResult.Failure;
        }

        _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, StoreOperation.Probe);
        Report(_breaker.EndProbe(probeId, result, out _));
    }

    private void ScheduleProbe(TimeSpan due)
    {
        try
        {
            _probeTimer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // the client is disposed
        }
    }

    private void Report(CircuitState? transition)
    {
        if (transition is not { } state)
        {
            return;
        }

        _metrics.Transition(state);
        switch (state)
        {
            case CircuitState.Open:
                ScheduleProbe(_breaker.BreakRemaining);
                if (Interlocked.Exchange(ref _openLogged, 1) == 0)
                {
                    Log.CircuitOpened(_logger, _breaker.Threshold, _breaker.FirstBreak.TotalMilliseconds);
                }

                break;
            case CircuitState.HalfOpen:
                Log.CircuitHalfOpen(_logger);
                break;
            default:
                Volatile.Write(ref _openLogged, 0);
                Volatile.Write(ref _authenticationFailed, 0);
                Log.CircuitClosed(_logger);
                break;
        }
    }
}
