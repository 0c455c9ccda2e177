namespace CacheGen.Internal;

/// <summary>
/// One in-process computation of a key that concurrent callers share (single-flight). The factory is
/// cancelled only when every caller waiting on it has cancelled.
/// </summary>
internal sealed class Flight<T>
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _lock = new();
    private int _waiters = 1;

    public Flight(long epoch) => Epoch = epoch;

    /// <summary>Gets the client's invalidation epoch when the flight started; a later caller joins only a flight of the current epoch.</summary>
    public long Epoch { get; }

    public Task<T> Task => _result.Task;

    public CancellationToken Token => _cancellation.Token;

    /// <summary>Joins as one more waiter; false once every earlier waiter has left (the flight is being cancelled).</summary>
    public bool TryJoin()
    {
        lock (_lock)
        {
            if (_waiters == 0)
            {
                return false;
            }

            _waiters++;
            return true;
        }
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
