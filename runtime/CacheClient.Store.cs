using CacheGen.Internal;

namespace CacheGen;

public sealed partial class CacheClient
{
    /// <summary>
    /// Runs one store operation through the <see cref="StoreAccessor"/> (breaker, timeout, fault classification, outage
    /// logs). A store fault is returned as <c>ok = false</c>; only the caller's cancellation propagates.
    /// </summary>
    private ValueTask<(bool Ok, TResult Result)> ExecuteStoreAsync<TState, TResult>(
        StoreOperation operation,
        string ns,
        TState state,
        Func<ICacheStore, TState, CancellationToken, ValueTask<TResult>> action,
        CancellationToken cancellationToken) =>
        _access.ExecuteAsync(operation, ns, state, action, cancellationToken);
}
