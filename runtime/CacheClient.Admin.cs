using CacheGen.Internal;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <inheritdoc/>
    public ValueTask<long> InvalidatePatternAsync(string @namespace, string pattern, CancellationToken cancellationToken = default)
    {
        if (!IsPlainSegment(@namespace))
        {
            // a glob character or a separator here would reach other namespaces, or the stamps under '%ns'
            throw new ArgumentException("The namespace must be non-empty and hold only letters, digits, '_', '.' and '-'.", nameof(@namespace));
        }

        ArgumentNullException.ThrowIfNull(pattern);
        return RunAdminAsync(StoreOperation.InvalidatePattern, @namespace, GetFullKey(@namespace, pattern), cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<long> ClearAsync(CancellationToken cancellationToken = default) =>
        RunAdminAsync(StoreOperation.Clear, "*", _prefix + ":*", cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The store is asked only while the circuit is closed and the first connect (with its warm-up) is done, within the operation timeout; a failure is logged at
    /// Debug and changes neither the error count nor the breaker (a stats endpoint must not alter the cache).
    /// </remarks>
    public async ValueTask<CacheStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        var statistics = GetStatistics();
        if (L1IsStoreNow && _l1 is { } l1)
        {
            // the embedded store's own figures, as Redis's come from INFO below
            var (entries, bytes) = l1.Live();
            statistics = statistics with { L1Entries = entries, L1Bytes = bytes };
        }

        if (_storeInfo is null || _disabledReason is not null || _access.State != CircuitState.Closed || Connecting)
        {
            return statistics;
        }

        try
        {
            var info = await _access.BoundedAsync(
                _storeInfo,
                static (store, ct) => store.GetServerInfoAsync(ct),
                cancellationToken).ConfigureAwait(false);
            return statistics with
            {
                RedisKeyspaceHits = info.KeyspaceHits,
                RedisKeyspaceMisses = info.KeyspaceMisses,
                RedisUsedMemoryBytes = info.UsedMemoryBytes,
                RedisConnectedClients = info.ConnectedClients,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Log.ServerInfoUnavailable(_logger, StoreAccessor.Classify(e).Tag(), e);
            return statistics;
        }
    }

    private static bool IsPlainSegment(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '.' and not '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Runs an operator delete: through the breaker, bounded by <see cref="CacheGenOptions.AdminTimeoutSeconds"/>;
    /// a timeout is neutral for the breaker. Failures are counted, logged and thrown as <see cref="CacheAdminException"/>.
    /// </summary>
    private async ValueTask<long> RunAdminAsync(StoreOperation operation, string scope, string pattern, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        if (_disabledReason is not null)
        {
            throw AdminFailed(operation, scope, StoreErrorType.Unavailable, "The cache store is unavailable: " + _disabledReason, started, null);
        }

        if (CheckReadOnly().Store)
        {
            throw AdminFailed(operation, scope, StoreErrorType.ReadOnly, "The cache store is a read-only replica; keys can only be deleted on a primary.", started, null);
        }

        if (!_access.AllowsCalls)
        {
            throw AdminFailed(operation, scope, StoreErrorType.CircuitOpen, "The cache circuit is open; run the command again once the store is back.", started, null);
        }

        // a value computed from a read before this delete must not be written back after it: nothing in the store
        // would refuse it (no tombstone is left), and it may be what the operator meant to remove
        Interlocked.Increment(ref _adminEpoch);
        try
        {
            // L1's own entries when it is the embedded store (its namespaces have no values in the store), first: a
            // value set after this pass is dropped by its writer, which sees the epoch above (L1StoreWrite)
            long local = L1StoreRemove(pattern, cancellationToken);
            long removed = local + await _access.AdminAsync(
                pattern,
                static (store, p, ct) => store.RemoveByPatternAsync(p, ct),
                started,
                cancellationToken).ConfigureAwait(false);

            // a server that loses this delete (an older snapshot, a failover) gets the namespace or the prefix retired instead
            Journal(operation == StoreOperation.Clear ? Invalidation.Epoch : new Invalidation(InvalidationKind.Namespace, scope, scope));
            if (operation == StoreOperation.Clear || !L1IsStoreNow)
            {
                // in front of a store, L1 cannot tell which of its copies the delete removed: all go. As the store,
                // a pattern delete removed exactly the matching ones above, and the other namespaces keep theirs
                await L1AfterAdminDeleteAsync().ConfigureAwait(false);
            }

            var elapsed = _time.GetElapsedTime(started);
            _metrics.Duration(elapsed.TotalSeconds, operation);
            _metrics.KeysRemoved(removed, operation);
            if (operation == StoreOperation.Clear)
            {
                Log.CacheCleared(_logger, removed, _prefix, (long)elapsed.TotalMilliseconds);
            }
            else
            {
                Log.PatternInvalidated(_logger, removed, scope, (long)elapsed.TotalMilliseconds);
                Log.PatternInvalidatedDetail(_logger, pattern, removed);
            }

            return removed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _metrics.Duration(_time.GetElapsedTime(started).TotalSeconds, operation);
            // (the accessor fed the breaker: a long scan that ran out of time says nothing about whether the store serves reads)
            var errorType = StoreAccessor.Classify(e);
            string message = errorType == StoreErrorType.Timeout
                ? $"The operator {operation.Tag()} did not finish within AdminTimeoutSeconds ({_options.AdminTimeoutSeconds} s)."
                : $"The operator {operation.Tag()} failed ({errorType.Tag()}).";
            throw AdminFailed(operation, scope, errorType, message, started, e);
        }
        finally
        {
            // after the delete: a computation that read before it is not shared with callers that come after
            MarkAllInvalidated();
        }
    }

    private CacheAdminException AdminFailed(StoreOperation operation, string scope, StoreErrorType errorType, string message, long started, Exception? exception)
    {
        Interlocked.Increment(ref _errors);
        _metrics.Error(errorType, operation, scope);
        Log.AdminOperationFailed(_logger, operation.Tag(), errorType.Tag(), (long)_time.GetElapsedTime(started).TotalMilliseconds, exception);
        return new CacheAdminException(errorType.Tag(), message + " Keys deleted before the failure stay deleted.", exception);
    }
}
