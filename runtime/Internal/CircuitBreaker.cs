namespace CacheGen.Internal;

/// <summary>
/// A consecutive-failure circuit breaker: <c>threshold</c> failures in a row open it for <c>breakDuration</c>,
/// then one probe is let through (half-open); its success closes the circuit, its failure reopens it.
/// </summary>
/// <remarks>
/// Polly v8's breaker is ratio-based and cannot say "opens after 5 consecutive failures" (a single success
/// in its sampling window keeps it closed), so this small breaker keeps that promise; see docs/design.md.
/// Every method reports the transition it caused, so each one is logged and metered exactly once.
/// </remarks>
internal sealed class CircuitBreaker
{
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private volatile CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private long _openUntil;

    public CircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
    {
        _threshold = threshold;
        _breakDuration = breakDuration;
        _time = time;
    }

    public CircuitState State => _state;

    public int Threshold => _threshold;

    public TimeSpan BreakDuration => _breakDuration;

    /// <summary>Asks to run a store operation. False while open (or while a probe is out).</summary>
    public bool TryAcquire(out bool isProbe, out CircuitState? transition)
    {
        isProbe = false;
        transition = null;
        if (_state == CircuitState.Closed)
        {
            return true;
        }

        lock (_lock)
        {
            if (_state == CircuitState.Closed)
            {
                return true;
            }

            if (_state == CircuitState.Open && _time.GetTimestamp() >= _openUntil)
            {
                _state = CircuitState.HalfOpen;
                isProbe = true;
                transition = CircuitState.HalfOpen;
                return true;
            }

            return false;
        }
    }

    public CircuitState? OnSuccess()
    {
        if (_state == CircuitState.Closed)
        {
            if (Volatile.Read(ref _consecutiveFailures) != 0)
            {
                Interlocked.Exchange(ref _consecutiveFailures, 0);
            }

            return null;
        }

        lock (_lock)
        {
            _consecutiveFailures = 0;
            if (_state == CircuitState.Closed)
            {
                return null;
            }

            _state = CircuitState.Closed;
            return CircuitState.Closed;
        }
    }

    public CircuitState? OnFailure()
    {
        lock (_lock)
        {
            if (_state == CircuitState.Open)
            {
                return null;
            }

            if (_state == CircuitState.HalfOpen || ++_consecutiveFailures >= _threshold)
            {
                Open();
                return CircuitState.Open;
            }

            return null;
        }
    }

    /// <summary>The operation ended without telling whether the store works (the caller cancelled). A probe gives its turn back after a break.</summary>
    public CircuitState? OnNeutral(bool wasProbe)
    {
        if (!wasProbe)
        {
            return null;
        }

        lock (_lock)
        {
            if (_state != CircuitState.HalfOpen)
            {
                return null;
            }

            Open();
            return CircuitState.Open;
        }
    }

    private void Open()
    {
        _state = CircuitState.Open;
        _consecutiveFailures = 0;
        _openUntil = _time.GetTimestamp() + (long)(_breakDuration.TotalSeconds * _time.TimestampFrequency);
    }
}
