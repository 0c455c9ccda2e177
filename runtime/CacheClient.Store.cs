using CacheGen.Internal;
using Polly.Timeout;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <summary>
    /// Runs one store operation behind the breaker and the timeout. A store fault is counted, logged once per
    /// outage and returned as <c>ok = false</c>; only the caller's cancellation propagates.
    /// </summary>
    private async ValueTask<(bool Ok, TResult Result)> ExecuteStoreAsync<TState, TResult>(
        string operation,
        string ns,
        TState state,
        Func<ICacheStore, TState, CancellationToken, ValueTask<TResult>> action,
        CancellationToken cancellationToken)
    {
        if (!_breaker.TryAcquire(out bool isProbe, out var transition))
        {
            Interlocked.Increment(ref _errors);
            _metrics.Error("circuit_open", operation, ns);
            CacheCall.Current?.OnStoreError(operation, "circuit_open");
            return (false, default!);
        }

        Report(transition);
        long started = _time.GetTimestamp();
        try
        {
            TResult result = await _timeout.ExecuteAsync(
                static (s, ct) => s.action(s.store, s.state, ct),
                (store: _store, state, action),
                cancellationToken).ConfigureAwait(false);
            _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, operation);
            Report(_breaker.OnSuccess());
            Volatile.Write(ref _errorLogged, 0);
            if (operation == "write")
            {
                Volatile.Write(ref _writeRejectedLogged, 0);
            }

            return (true, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Report(_breaker.OnNeutral(isProbe));
            throw;
        }
        catch (Exception e)
        {
            _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, operation);
            string errorType = Classify(e);
            Interlocked.Increment(ref _errors);
            _metrics.Error(errorType, operation, ns);
            CacheCall.Current?.OnStoreError(operation, errorType);
            // one Warning per outage; write refusals have their own flag, re-armed only by a write that succeeds,
            // because reads keep succeeding meanwhile and would re-arm the general one on every call
            ref int logged = ref errorType == WriteRejected ? ref _writeRejectedLogged : ref _errorLogged;
            if (Interlocked.Exchange(ref logged, 1) == 0)
            {
                Log.StoreError(_logger, operation, errorType, ns, e);
            }
            else
            {
                Log.StoreErrorRepeated(_logger, operation, errorType, ns, e);
            }

            // a server that refuses a write (maxmemory with noeviction, a replica) is up and serving reads:
            // feeding the breaker would stop the reads too (RELIABILITY.md S7)
            Report(errorType == WriteRejected ? _breaker.OnSuccess() : _breaker.OnFailure());
            return (false, default!);
        }
    }

    private const string WriteRejected = "write_rejected";

    private static string Classify(Exception e) => e switch
    {
        TimeoutRejectedException or TimeoutException or StackExchange.Redis.RedisTimeoutException => "timeout",
        StackExchange.Redis.RedisConnectionException or System.Net.Sockets.SocketException or ObjectDisposedException => "connection",
        StackExchange.Redis.RedisServerException when IsWriteRefusal(e.Message) => WriteRejected,
        StackExchange.Redis.RedisServerException => "server_error",
        _ => "store",
    };

    // inside a script, Redis reports the refused command's error within the script error's text
    private static bool IsWriteRefusal(string message) =>
        message.Contains("OOM command not allowed", StringComparison.Ordinal) || message.Contains("READONLY", StringComparison.Ordinal);

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
                Log.CircuitOpened(_logger, _breaker.Threshold, _breaker.BreakDuration.TotalSeconds);
                break;
            case CircuitState.HalfOpen:
                Log.CircuitHalfOpen(_logger);
                break;
            default:
                Log.CircuitClosed(_logger);
                break;
        }
    }
}
