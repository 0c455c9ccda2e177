namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// The data behind a cached method: a current value and a call count. <see cref="GetAsync"/> reads the value
/// first, then waits on <see cref="Gate"/> when one is set, like a query that read a row and is still running.
/// </summary>
public sealed class Source
{
    private int _calls;
    private volatile string _value;

    /// <summary>Creates a source holding <paramref name="value"/>.</summary>
    public Source(string value = "v1") => _value = value;

    /// <summary>Gets or sets the current value.</summary>
    public string Value
    {
        get => _value;
        set => _value = value;
    }

    /// <summary>Gets how many times the factory ran.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets or sets a gate the factory waits on after reading (null: no wait).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Gets a task completed when the factory has read the value.</summary>
    public TaskCompletionSource Read { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets an exception the factory throws instead of returning.</summary>
    public Exception? Throw { get; set; }

    /// <summary>Gets the token the factory saw last.</summary>
    public CancellationToken LastToken { get; private set; }

    /// <summary>Resets <see cref="Read"/> for the next factory call.</summary>
    public void ResetRead() => Read = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The synchronous factory.</summary>
    public string Get()
    {
        Interlocked.Increment(ref _calls);
        if (Throw is { } e)
        {
            throw e;
        }

        return _value;
    }

    /// <summary>The asynchronous factory.</summary>
    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        LastToken = cancellationToken;
        string value = _value;
        Read.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (Throw is { } e)
        {
            throw e;
        }

        return value;
    }
}
