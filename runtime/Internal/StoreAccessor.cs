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
    private readonly ICacheStore _store;
    private readonly CacheGenOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CacheMetrics _metrics;
    private readonly IStoreConnection? _connection;
    private readonly string _probeKey;
    private readonly CircuitBreaker _breaker;
    private readonly ResiliencePipeline _timeout;
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
        _timeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(TimeSpan.FromMilliseconds(options.OperationTimeoutMs))
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

    /// <summary>Reads <paramref name="fullKey"/> and its stamps: the hit path's one store operation.</summary>
    public ValueTask<(bool Ok, CacheStoreReadResult Result)> ReadAsync(string @namespace, string fullKey, string[] stampKeys, CancellationToken cancellationToken) =>
        ExecuteAsync(
            StoreOperation.Read,
            @namespace,
            (fullKey, stampKeys),
            static (store, s, ct) => store.ReadAsync(s.fullKey, s.stampKeys, ct),
            cancellationToken);

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
            TResult result = await _timeout.ExecuteAsync(
                static (s, ct) => s.action(s.store, s.state, ct),
                (store: _store, state, action),
                cancellationToken).ConfigureAwait(false);
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
