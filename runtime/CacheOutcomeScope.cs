namespace CacheGen;

/// <summary>
/// Collects how each cached call made inside it was served (hit, miss, error, coalesced; key; time to live), so that
/// a caller can report it, e.g. as <c>X-Cache</c> response headers. The scope flows with the async context, like
/// <see cref="System.Diagnostics.Activity.Current"/>: calls made by awaited code and by tasks started inside it are recorded.
/// </summary>
/// <remarks>
/// <para>Without a scope nothing is recorded and nothing is allocated. Typical use, in ASP.NET Core middleware:</para>
/// <code>
/// app.Use(async (context, next) =>
/// {
///     using var scope = CacheOutcomeScope.Begin();
///     context.Response.OnStarting(() =>
///     {
///         if (scope.Last is { } call) context.Response.Headers["X-Cache"] = call.Result == CacheCallResult.Hit ? "HIT" : "MISS";
///         return Task.CompletedTask;
///     });
///     await next(context);
/// });
/// </code>
/// <para>Only calls that reached the cache are recorded: a method whose namespace or cache is disabled runs its
/// implementation and leaves no outcome. An outcome is added when the call returns its value (an exception thrown by
/// the implementation adds none). Scopes nest: an inner scope receives the calls made while it is current.</para>
/// </remarks>
public sealed class CacheOutcomeScope : IDisposable
{
    private static readonly AsyncLocal<CacheOutcomeScope?> s_current = new();

    /// <summary>How many scopes are begun and not disposed, in the process: while none is, no call can record (a disposed scope records nothing), and a hit need not read <see cref="Current"/>.</summary>
    private static int s_live;

    private readonly CacheOutcomeScope? _previous;
    private readonly Lock _lock = new();
    private readonly List<CacheCallOutcome> _calls = [];
    private bool _disposed;

    private CacheOutcomeScope(CacheOutcomeScope? previous) => _previous = previous;

    /// <summary>Gets the scope that receives the outcomes of cached calls made now, or <see langword="null"/>.</summary>
    public static CacheOutcomeScope? Current => s_current.Value;

    /// <summary>Gets a snapshot of the outcomes recorded so far, in the order the calls returned.</summary>
    public IReadOnlyList<CacheCallOutcome> Calls
    {
        get
        {
            lock (_lock)
            {
                return _calls.ToArray();
            }
        }
    }

    /// <summary>Gets the outcome of the call that returned last, or <see langword="null"/> when none was recorded.</summary>
    public CacheCallOutcome? Last
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count == 0 ? null : _calls[^1];
            }
        }
    }

    /// <summary>Starts a scope and makes it <see cref="Current"/> for this async context until it is disposed.</summary>
    public static CacheOutcomeScope Begin()
    {
        var scope = new CacheOutcomeScope(s_current.Value);
        Interlocked.Increment(ref s_live);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>Stops recording, and makes the enclosing scope current again when this one is current.</summary>
    public void Dispose()
    {
        bool first;
        lock (_lock)
        {
            first = !_disposed;
            _disposed = true;
        }

        if (first)
        {
            Interlocked.Decrement(ref s_live);
        }

        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = _previous;
        }
    }

    /// <summary>Gets whether some scope is begun and not disposed (anywhere in the process).</summary>
    internal static bool AnyLive => Volatile.Read(ref s_live) != 0;

    internal void Add(CacheCallOutcome outcome)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _calls.Add(outcome);
            }
        }
    }
}
