using System.ComponentModel;

namespace CacheGen;

/// <summary>
/// The entry generated wrappers call: the <see cref="ICacheClient"/> call of the same name, made directly on a
/// <see cref="CacheClient"/> (the client <c>AddCacheGen</c> registers) and through the interface on any other
/// implementation. A generic method called through an interface is dispatched by a run-time lookup on every call;
/// on an in-process hit that lookup was ~5% of the call. Called by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CachedCall
{
    /// <summary>As <see cref="ICacheClient.GetOrSetAsync{TState, T}(CachedMethod, string, string[], TState, Func{TState, CancellationToken, ValueTask{T}}, CancellationToken)"/> on <paramref name="client"/>.</summary>
    /// <typeparam name="TState">The state passed to <paramref name="factory"/>.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="key">The key within the method's namespace.</param>
    /// <param name="tags">The entry's tags, or <see langword="null"/>.</param>
    /// <param name="state">The state.</param>
    /// <param name="factory">The implementation.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The value.</returns>
    public static ValueTask<T> GetOrSetAsync<TState, T>(
        ICacheClient client,
        CachedMethod method,
        string key,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default) =>
        client is CacheClient cacheClient
            ? cacheClient.GetOrSetAsync(method, key, tags, state, factory, cancellationToken)
            : client.GetOrSetAsync(method, key, tags, state, factory, cancellationToken);

    /// <summary>As <see cref="ICacheClient.GetOrSetAsync{TState, T}(CachedMethod, string, TState, Func{TState, string[]}, Func{TState, CancellationToken, ValueTask{T}}, CancellationToken)"/> on <paramref name="client"/>.</summary>
    /// <typeparam name="TState">The state passed to <paramref name="tags"/> and <paramref name="factory"/>.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="key">The key within the method's namespace.</param>
    /// <param name="state">The state.</param>
    /// <param name="tags">Builds the entry's tags when the client needs them.</param>
    /// <param name="factory">The implementation.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The value.</returns>
    public static ValueTask<T> GetOrSetAsync<TState, T>(
        ICacheClient client,
        CachedMethod method,
        string key,
        TState state,
        Func<TState, string[]> tags,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default) =>
        client is CacheClient cacheClient
            ? cacheClient.GetOrSetAsync(method, key, state, tags, factory, cancellationToken)
            : client.GetOrSetAsync(method, key, state, tags, factory, cancellationToken);

    /// <summary>As <see cref="ICacheClient.GetOrSet{TState, T}(CachedMethod, string, string[], TState, Func{TState, T})"/> on <paramref name="client"/>.</summary>
    /// <typeparam name="TState">The state passed to <paramref name="factory"/>.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="key">The key within the method's namespace.</param>
    /// <param name="tags">The entry's tags, or <see langword="null"/>.</param>
    /// <param name="state">The state.</param>
    /// <param name="factory">The implementation.</param>
    /// <returns>The value.</returns>
    public static T GetOrSet<TState, T>(ICacheClient client, CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory) =>
        client is CacheClient cacheClient
            ? cacheClient.GetOrSet(method, key, tags, state, factory)
            : client.GetOrSet(method, key, tags, state, factory);

    /// <summary>As <see cref="ICacheClient.GetOrSet{TState, T}(CachedMethod, string, TState, Func{TState, string[]}, Func{TState, T})"/> on <paramref name="client"/>.</summary>
    /// <typeparam name="TState">The state passed to <paramref name="tags"/> and <paramref name="factory"/>.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="method">The method's descriptor.</param>
    /// <param name="key">The key within the method's namespace.</param>
    /// <param name="state">The state.</param>
    /// <param name="tags">Builds the entry's tags when the client needs them.</param>
    /// <param name="factory">The implementation.</param>
    /// <returns>The value.</returns>
    public static T GetOrSet<TState, T>(ICacheClient client, CachedMethod method, string key, TState state, Func<TState, string[]> tags, Func<TState, T> factory) =>
        client is CacheClient cacheClient
            ? cacheClient.GetOrSet(method, key, state, tags, factory)
            : client.GetOrSet(method, key, state, tags, factory);
}
