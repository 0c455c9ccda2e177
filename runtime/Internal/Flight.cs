namespace CacheGen.Internal;

/// <summary>
/// What invalidations need to know of a running computation: its namespace and tags, and a way to keep later callers
/// out of it.
/// </summary>
internal abstract class Flight
{
    private volatile bool _closed;

    protected Flight(string @namespace, string[]? tags)
    {
        Namespace = @namespace;
        Tags = tags;
    }

    /// <summary>Gets the namespace of the key the flight computes.</summary>
    public string Namespace { get; }

    /// <summary>Gets the tags the flight computes under.</summary>
    public string[]? Tags { get; }

    /// <summary>Whether the flight computes under <paramref name="tag"/>.</summary>
    public bool HasTag(string tag) => Tags is { } tags && Array.IndexOf(tags, tag) >= 0;

    /// <summary>
    /// Its key, namespace or a tag was invalidated after it started: it may compute the value the invalidation
    /// removed, so nobody joins it any more (its own waiters still get its value).
    /// </summary>
    public void Close() => _closed = true;

    /// <summary>Gets whether callers may no longer join.</summary>
    protected bool IsClosed => _closed;
}

/// <summary>
/// One in-process computation of a key that concurrent callers share (single-flight). The factory is
/// cancelled only when every caller waiting on it has cancelled.
/// </summary>
internal sealed class Flight<T> : Flight
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _lock = new();
    private int _waiters = 1;
    private bool _abandoned;

    public Flight(string @namespace, string[]? tags = null)
        : base(@namespace, tags)
    {
    }

    public Task<T> Task => _result.Task;

    public CancellationToken Token => _cancellation.Token;

    /// <summary>Joins as one more waiter; false once every earlier waiter has left (the flight is being cancelled).</summary>
    public bool TryJoin()
    {
        lock (_lock)
        {
            if (_waiters == 0 || IsClosed)
            {
                return false;
            }

            _waiters++;
            return true;
        }
    }

    /// <summary>
    /// A waiter gave up on a computation that outlived the join timeout: nobody joins it any more (a new caller starts
    /// a new flight), and the waiter leaves. Returns true for the first waiter to give up.
    /// </summary>
    public bool Abandon()
    {
        bool first;
        lock (_lock)
        {
            first = !_abandoned;
            _abandoned = true;
        }

        Close();

        Leave();
        return first;
    }

    /// <summary>A waiter cancelled; the last one to leave cancels the factory.</summary>
    public void Leave()
    {
        lock (_lock)
        {
            if (--_waiters == 0)
            {
                _cancellation.Cancel();
            }
        }
    }

    // the token source is never disposed: a waiter may still call Leave() as the flight completes, and a
    // source without timers holds nothing that needs disposing
    public void Complete(T value) => _result.TrySetResult(value);

    public void Fail(Exception exception)
    {
        if (exception is OperationCanceledException oce)
        {
            _result.TrySetCanceled(oce.CancellationToken);
        }
        else
        {
            _result.TrySetException(exception);
        }
    }
}
