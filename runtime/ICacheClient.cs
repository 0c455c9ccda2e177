namespace CacheGen;

/// <summary>
/// The cache that generated code talks to. Services take it in their constructor; <c>AddCacheGen</c> registers it.
/// </summary>
/// <remarks>
/// No member lets a cache fault reach the caller: a store error, a timeout or an open circuit reads as a miss
/// and the factory runs. Only the factory's own exceptions, and the caller's cancellation, propagate.
/// </remarks>
public interface ICacheClient
{
    /// <summary>
    /// Returns the cached value for <paramref name="key"/>, or runs <paramref name="factory"/> once per process
    /// for concurrent callers on a miss and stores its result.
    /// </summary>
    /// <typeparam name="TState">State passed to the factory, so generated code needs no closure.</typeparam>
    /// <typeparam name="T">The cached type.</typeparam>
    /// <param name="method">The generated descriptor of the cached method.</param>
    /// <param name="key">The key built by <see cref="CacheKeyBuilder"/>, without prefix and namespace.</param>
    /// <param name="tags">Filled-in tags of this entry, or <see langword="null"/>.</param>
    /// <param name="state">The factory's state.</param>
    /// <param name="factory">The implementation to run on a miss.</param>
    /// <param name="cancellationToken">The caller's token. Cancelling it cancels this caller's wait; the factory is cancelled only when every waiting caller has cancelled.</param>
    ValueTask<T> GetOrSetAsync<TState, T>(
        CachedMethod method,
        string key,
        string[]? tags,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default);

    /// <summary>The synchronous form of <see cref="GetOrSetAsync{TState, T}(CachedMethod, string, string[], TState, Func{TState, CancellationToken, ValueTask{T}}, CancellationToken)"/>, for methods that return <typeparamref name="T"/> directly.</summary>
    /// <remarks>The store is read with a bounded blocking wait (the operation timeout); prefer async methods on hot paths.</remarks>
    T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory);

    /// <summary>
    /// As <see cref="GetOrSetAsync{TState, T}(CachedMethod, string, string[], TState, Func{TState, CancellationToken, ValueTask{T}}, CancellationToken)"/>,
    /// with the tags built from <paramref name="state"/> only when they are needed: on a miss, or on an in-process hit
    /// of a method whose tags are not a function of its key (<see cref="CachedMethod.TagsFollowKey"/>). Generated code
    /// calls this form for methods with tags, so a hit costs no tag strings.
    /// </summary>
    /// <param name="method">The generated descriptor of the cached method.</param>
    /// <param name="key">The key built by <see cref="CacheKeyBuilder"/>, without prefix and namespace.</param>
    /// <param name="state">The factory's state, from which <paramref name="tags"/> builds the tags.</param>
    /// <param name="tags">Builds the filled-in tags of this entry (a static lambda: no allocation per call).</param>
    /// <param name="factory">The implementation to run on a miss.</param>
    /// <param name="cancellationToken">The caller's token, as in the other form.</param>
    ValueTask<T> GetOrSetAsync<TState, T>(
        CachedMethod method,
        string key,
        TState state,
        Func<TState, string[]> tags,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return GetOrSetAsync(method, key, tags(state), state, factory, cancellationToken);
    }

    /// <summary>The synchronous form of the lazily tagged <c>GetOrSetAsync</c>.</summary>
    T GetOrSet<TState, T>(CachedMethod method, string key, TState state, Func<TState, string[]> tags, Func<TState, T> factory)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return GetOrSet(method, key, tags(state), state, factory);
    }

    /// <summary>
    /// Drops the entry <paramref name="key"/> in <paramref name="namespace"/>. Failures are queued and replayed; this never
    /// throws for a cache fault. Invalidations are not abandoned when <paramref name="cancellationToken"/> is cancelled
    /// (that would leave a stale entry): they are bounded by the operation timeout instead.
    /// </summary>
    ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default);

    /// <summary>Drops every entry of <paramref name="namespace"/> with O(1) store work. Failures are queued and replayed.</summary>
    ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default);

    /// <summary>Drops every entry carrying <paramref name="tag"/>, in any namespace, with O(1) store work. Failures are queued and replayed.</summary>
    ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default);

    /// <summary>Returns a snapshot of the client's counters and circuit state.</summary>
    CacheStatistics GetStatistics();
}
