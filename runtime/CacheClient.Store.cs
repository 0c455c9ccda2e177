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
            if (Interlocked.Exchange(ref _errorLogged, 1) == 0)
            {
                Log.StoreError(_logger, operation, errorType, ns, e);
            }
            else
            {
                Log.StoreErrorRepeated(_logger, operation, errorType, ns, e);
            }

            Report(_breaker.OnFailure());
            return (false, default!);
        }
    }

    private static string Classify(Exception e) => e switch
    {
        TimeoutRejectedException or TimeoutException or StackExchange.Redis.RedisTimeoutException => "timeout",
        StackExchange.Redis.RedisConnectionException or System.Net.Sockets.SocketException or ObjectDisposedException => "connection",
        StackExchange.Redis.RedisServerException => "server_error",
        _ => "store",
    };

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
