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
/// <remarks>
/// Most flights are never joined (one caller, an uncontended key): the caller that created the flight runs the
/// computation in its own async flow and gets the value directly, so the task joiners wait on is made only when
/// someone joins, and the token source only when the creator's own token can be cancelled (a creator that cannot
/// cancel never leaves, so the last-one-out rule can never fire).
/// </remarks>
internal sealed class Flight<T> : Flight
{
    private readonly CancellationTokenSource? _cancellation;
    private TaskCompletionSource<T>? _result;
    private T? _value;
    private Exception? _error;
    private int _state; // 0 running, 1 completed, 2 failed
    private int _waiters = 1;
    private bool _abandoned;

    /// <summary>Creates a flight; <paramref name="cancellable"/>: whether its creator's token can be cancelled.</summary>
    public Flight(string @namespace, string[]? tags = null, bool cancellable = true)
        : base(@namespace, tags)
    {
        _cancellation = cancellable ? new CancellationTokenSource() : null;
    }

    /// <summary>Gets what joiners wait on (made on first use; already completed when the flight has ended).</summary>
    public Task<T> Task
    {
        get
        {
            lock (this)
            {
                if (_result is null)
                {
                    _result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_state != 0)
                    {
                        SetResult(_result);
                    }
                }

                return _result.Task;
            }
        }
    }

    /// <summary>Gets the token the computation runs under: cancelled when every waiter has left.</summary>
    public CancellationToken Token => _cancellation?.Token ?? CancellationToken.None;

    /// <summary>Joins as one more waiter; false once every earlier waiter has left (the flight is being cancelled).</summary>
    public bool TryJoin()
    {
        lock (this)
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
        lock (this)
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
        lock (this)
        {
            if (--_waiters == 0)
            {
                _cancellation?.Cancel();
            }
        }
    }

    // the token source is never disposed: a waiter may still call Leave() as the flight completes, and a
    // source without timers holds nothing that needs disposing
    public void Complete(T value) => End(1, value, null);

    public void Fail(Exception exception) => End(2, default, exception);

    private void End(int state, T? value, Exception? error)
    {
        TaskCompletionSource<T>? result;
        lock (this)
        {
            if (_state != 0)
            {
                return;
            }

            _value = value;
            _error = error;
            _state = state;
            result = _result;
        }

        if (result is not null)
        {
            SetResult(result);
        }
    }

    private void SetResult(TaskCompletionSource<T> result)
    {
        if (_state == 1)
        {
            result.TrySetResult(_value!);
        }
        else if (_error is OperationCanceledException oce)
        {
            result.TrySetCanceled(oce.CancellationToken);
        }
        else
        {
            result.TrySetException(_error!);
        }
    }
}
