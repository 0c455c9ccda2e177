using System.Diagnostics;

namespace CacheGen.Internal;

/// <summary>
/// One cached call that reads the store, seen from outside: its span on <see cref="CacheGenDiagnostics.ActivitySourceName"/>
/// and its <see cref="CacheCallOutcome"/> for the current <see cref="CacheOutcomeScope"/>. Created only when someone
/// listens (a sampled span or a scope); the client's code reports to <see cref="Current"/> through one-line hooks.
/// </summary>
internal sealed class CacheCall : IDisposable
{
    private static readonly ActivitySource s_source = new(
        CacheGenDiagnostics.ActivitySourceName,
        typeof(CacheCall).Assembly.GetName().Version?.ToString());

    private static readonly AsyncLocal<CacheCall?> s_current = new();

    private readonly CacheCall? _previous;
    private readonly Activity? _activity;
    private readonly CacheOutcomeScope? _scope;
    private readonly string _namespace;
    private readonly string _fullKey;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private CacheCallResult _result = CacheCallResult.Miss;
    private TimeSpan? _timeToLive;
    private string? _errorType;
    private string? _errorOperation;
    private bool _ended;

    private CacheCall(Activity? activity, CacheOutcomeScope? scope, string @namespace, string fullKey, TimeSpan ttl, TimeProvider time)
    {
        _previous = s_current.Value;
        _activity = activity;
        _scope = scope;
        _namespace = @namespace;
        _fullKey = fullKey;
        _ttl = ttl;
        _time = time;
    }

    /// <summary>Gets the call the client is running on this async context, or <see langword="null"/> when nobody listens.</summary>
    public static CacheCall? Current => s_current.Value;

    /// <summary>
    /// Gets whether anyone may observe a call now: a listener of the activity source, or an outcome scope begun and not
    /// disposed somewhere. False means a call that reports only to its own <see cref="CacheCall"/> (an L1 hit) needs
    /// none: without a span or a scope it records nothing. Two reads of process-wide fields, no async-local.
    /// </summary>
    public static bool Observed => s_source.HasListeners() || CacheOutcomeScope.AnyLive;

    /// <summary>Starts observing a call that is about to read the store; <see langword="null"/> (nothing allocated) when nobody listens.</summary>
    public static CacheCall? Begin(CachedMethod method, string fullKey, string storeName, CacheGenOptions options, TimeProvider time)
    {
        var scope = CacheOutcomeScope.Current;
        var activity = s_source.HasListeners() ? s_source.StartActivity(CacheGenDiagnostics.GetOrSetActivityName, ActivityKind.Internal) : null;
        if (activity is null && scope is null && s_current.Value is null)
        {
            // (inside an observed call, e.g. a cached call made by another one's implementation, a call object is
            // still made, so this call's hooks never land on the outer one)
            return null;
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = "get_or_set " + method.Namespace;
            activity.SetTag(CacheGenDiagnostics.NamespaceTag, method.Namespace);
            activity.SetTag(CacheGenDiagnostics.StoreTag, storeName);
            if (options.IncludeKeysInTraces)
            {
                activity.SetTag(CacheGenDiagnostics.KeyTag, fullKey);
            }
        }

        // the TTL in force now, as the write-back computes it before jitter
        int seconds = options.Namespaces.TryGetValue(method.Namespace, out var ns) && ns.TtlSeconds is int s ? s : (int)method.Ttl.TotalSeconds;
        var call = new CacheCall(activity, scope, method.Namespace, fullKey, TimeSpan.FromSeconds(seconds), time);
        s_current.Value = call;
        return call;
    }

    /// <summary>Records a call that joined another caller's computation of <paramref name="fullKey"/> (no store read, no span).</summary>
    public static void Joined(CachedMethod method, string fullKey) =>
        CacheOutcomeScope.Current?.Add(new CacheCallOutcome(method.Namespace, fullKey, CacheCallResult.Coalesced, null, null));

    /// <summary>The store returned a sound entry written at <paramref name="createdUnixMs"/>.</summary>
    public void OnHit(long createdUnixMs)
    {
        lock (_lock)
        {
            _result = CacheCallResult.Hit;
            var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(createdUnixMs);
            _timeToLive = age >= _ttl ? TimeSpan.Zero : _ttl - (age > TimeSpan.Zero ? age : TimeSpan.Zero);
        }
    }

    /// <summary>The store answered without a usable entry.</summary>
    public void OnMiss()
    {
        lock (_lock)
        {
            _result = CacheCallResult.Miss;
        }
    }

    /// <summary>A store operation of this call failed (or the circuit refused it).</summary>
    public void OnStoreError(StoreOperation operation, StoreErrorType errorType)
    {
        lock (_lock)
        {
            // an invalidation made by the implementation is not this call's store work
            if (_ended || operation is not (StoreOperation.Read or StoreOperation.Write or StoreOperation.Reserve))
            {
                return;
            }

            if (operation == StoreOperation.Read)
            {
                _result = CacheCallResult.Error;
            }
            else
            {
                _timeToLive = null;
            }

            _errorType ??= errorType.Tag();
            _errorOperation ??= operation.Tag();
        }
    }

    /// <summary>The write-back is being sent with <paramref name="ttl"/>.</summary>
    public void OnWrite(TimeSpan ttl)
    {
        lock (_lock)
        {
            if (!_ended && _result == CacheCallResult.Miss)
            {
                _timeToLive = ttl;
            }
        }
    }

    /// <summary>Ends the span and records the outcome in the scope that was current at the start.</summary>
    public void Dispose()
    {
        CacheCallOutcome outcome;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            outcome = new CacheCallOutcome(_namespace, _fullKey, _result, _timeToLive, _errorType);
        }

        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _previous;
        }

        if (_activity is not null)
        {
            if (_activity.IsAllDataRequested)
            {
                _activity.SetTag(CacheGenDiagnostics.ResultTag, outcome.Result switch
                {
                    CacheCallResult.Hit => "hit",
                    CacheCallResult.Error => "error",
                    _ => "miss",
                });
                if (outcome.ErrorType is { } errorType)
                {
                    // the caller got its value from the implementation; the span says the cache part failed
                    _activity.SetTag(CacheGenDiagnostics.ErrorTypeTag, errorType);
                    _activity.SetTag(CacheGenDiagnostics.OperationTag, _errorOperation);
                    _activity.SetStatus(ActivityStatusCode.Error, "cache " + _errorOperation + " failed: " + errorType);
                }
            }

            _activity.Dispose();
        }

        _scope?.Add(outcome);
    }
}
