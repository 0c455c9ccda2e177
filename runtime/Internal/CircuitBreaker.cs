namespace CacheGen.Internal;

/// <summary>How a background probe of the store ended.</summary>
internal enum ProbeResult
{
    /// <summary>The store answered: close the circuit.</summary>
    Success,

    /// <summary>The server answered that it is busy for a while (<c>LOADING</c>, <c>BUSY</c>): probe again after the short break, without growing it.</summary>
    Transient,

    /// <summary>The store failed: the next break is twice as long, up to the longest break.</summary>
    Failure,
}

/// <summary>
/// A consecutive-fault circuit breaker: <c>threshold</c> faults in a row open it. While it is open, callers never touch
/// the store; the client probes it in the background (<see cref="TryBeginProbe"/>) after each break, and at once when
/// the connection is restored. A probe's success closes the circuit; a failure reopens it for a break twice as long,
/// from <c>firstBreak</c> up to <c>maxBreak</c>.
/// </summary>
/// <remarks>
/// <para>Polly v8's breaker is ratio-based and cannot say "opens after 5 consecutive failures" (a single success
/// in its sampling window keeps it closed), so this small breaker keeps that promise; see docs/design.md.</para>
/// <para>Faults, not commands, are counted: a failure of an operation that started before the last counted failure
/// was in flight during that same fault (one reset socket fails every command on it) and is not counted again.</para>
/// <para>Only a probe closes the circuit: a late success of an operation that started before the circuit opened
/// says nothing about the store now. Every method reports the transition it caused, so each one is logged and
/// metered exactly once.</para>
/// </remarks>
internal sealed class CircuitBreaker
{
    private readonly int _threshold;
    private readonly TimeSpan _firstBreak;
    private readonly TimeSpan _maxBreak;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private volatile CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private long _lastCountedFailureAt = long.MinValue;
    private long _openedAt;
    private long _openUntil;
    private long _lastProbeAt = long.MinValue;
    private TimeSpan _currentBreak;
    private long _probeId;

    public CircuitBreaker(int threshold, TimeSpan firstBreak, TimeSpan maxBreak, TimeProvider time)
    {
        _threshold = threshold;
        _firstBreak = firstBreak;
        _maxBreak = maxBreak < firstBreak ? firstBreak : maxBreak;
        _time = time;
        _currentBreak = firstBreak;
    }

    public CircuitState State => _state;

    public int Threshold => _threshold;

    /// <summary>Gets the break before the first probe.</summary>
    public TimeSpan FirstBreak => _firstBreak;

    /// <summary>Gets the longest break between two probes.</summary>
    public TimeSpan MaxBreak => _maxBreak;

    /// <summary>Gets whether callers may use the store now (the circuit is closed).</summary>
    public bool AllowsCalls => _state == CircuitState.Closed;

    /// <summary>Gets the time left until the current break ends (zero when it has).</summary>
    public TimeSpan BreakRemaining
    {
        get
        {
            long left = Volatile.Read(ref _openUntil) - _time.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(left / (double)_time.TimestampFrequency);
        }
    }

    /// <summary>A caller's operation that started at <paramref name="startedAt"/> succeeded. Resets the fault count; never closes an open circuit.</summary>
    public CircuitState? OnSuccess(long startedAt)
    {
        // closed with no fault counted (every success but the first after a fault): nothing to reset, and no lock taken
        // on the hit path. A fault counted just after this read orders this success before it, as the lock would have
        if (_state != CircuitState.Closed || Volatile.Read(ref _consecutiveFailures) == 0)
        {
            return null;
        }

        lock (_lock)
        {
            // a success that started before the last counted fault proves nothing about the store after it
            if (_state == CircuitState.Closed && startedAt >= _lastCountedFailureAt)
            {
                _consecutiveFailures = 0;
            }

            return null;
        }
    }

    /// <summary>A caller's operation that started at <paramref name="startedAt"/> failed. Counts one fault per outage wave.</summary>
    public CircuitState? OnFailure(long startedAt)
    {
        lock (_lock)
        {
            if (_state != CircuitState.Closed || startedAt < _lastCountedFailureAt)
            {
                // open already, or in flight during a fault already counted
                return null;
            }

            _lastCountedFailureAt = _time.GetTimestamp();
            if (++_consecutiveFailures >= _threshold)
            {
                _currentBreak = _firstBreak;
                Open(_firstBreak);
                return CircuitState.Open;
            }

            return null;
        }
    }

    /// <summary>
    /// Starts a background probe: when the circuit is open and its break has ended, or, with <paramref name="now"/>
    /// (a restored connection), at once unless a probe started within <paramref name="minSpacing"/>, even while an older
    /// probe is out (it may hang on the connection that just died). Half-open until <see cref="EndProbe"/> of the newest
    /// probe (<paramref name="probeId"/>); false while the circuit is closed or a probe is out (without <paramref name="now"/>).
    /// </summary>
    public bool TryBeginProbe(bool now, TimeSpan minSpacing, out long probeId, out CircuitState? transition)
    {
        transition = null;
        probeId = 0;
        if (_state == CircuitState.Closed || (_state == CircuitState.HalfOpen && !now))
        {
            return false;
        }

        lock (_lock)
        {
            long t = _time.GetTimestamp();
            if (_state == CircuitState.Closed || (_state == CircuitState.HalfOpen && !now))
            {
                return false;
            }

            bool due = t >= _openUntil;
            bool spaced = _lastProbeAt == long.MinValue || t - _lastProbeAt >= (long)(minSpacing.TotalSeconds * _time.TimestampFrequency);
            if (!due && !(now && spaced))
            {
                return false;
            }

            _lastProbeAt = t;
            probeId = ++_probeId;
            if (_state != CircuitState.HalfOpen)
            {
                _state = CircuitState.HalfOpen;
                transition = CircuitState.HalfOpen;
            }

            return true;
        }
    }

    /// <summary>Ends the probe started by <see cref="TryBeginProbe"/>; <paramref name="nextBreak"/> is the break until the next one (when reopened).</summary>
    public CircuitState? EndProbe(long probeId, ProbeResult result, out TimeSpan nextBreak)
    {
        lock (_lock)
        {
            nextBreak = TimeSpan.Zero;
            if (_state != CircuitState.HalfOpen || (probeId != _probeId && result != ProbeResult.Success))
            {
                // closed already, or a failure of a probe that a newer one replaced
                return null;
            }

            switch (result)
            {
                case ProbeResult.Success:
                    _state = CircuitState.Closed;
                    _consecutiveFailures = 0;
                    _currentBreak = _firstBreak;

                    // operations in flight while it was open must not count toward the next opening
                    _lastCountedFailureAt = _time.GetTimestamp();
                    return CircuitState.Closed;
                case ProbeResult.Transient:
                    nextBreak = _firstBreak + _firstBreak;
                    break;
                default:
                    _currentBreak = TimeSpan.FromTicks(Math.Min(_currentBreak.Ticks * 2, _maxBreak.Ticks));
                    nextBreak = _currentBreak;
                    break;
            }

            Open(nextBreak);
            return CircuitState.Open;
        }
    }

    /// <summary>Gets how long the circuit has been open (or half-open); zero when closed.</summary>
    public TimeSpan OpenFor => _state == CircuitState.Closed ? TimeSpan.Zero : _time.GetElapsedTime(Volatile.Read(ref _openedAt));

    private void Open(TimeSpan breakFor)
    {
        if (_state == CircuitState.Closed)
        {
            Volatile.Write(ref _openedAt, _time.GetTimestamp());
        }

        _state = CircuitState.Open;
        _consecutiveFailures = 0;
        Volatile.Write(ref _openUntil, _time.GetTimestamp() + (long)(breakFor.TotalSeconds * _time.TimestampFrequency));
    }
}
