namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// A clock that moves only when a test calls <see cref="Advance"/>. Timers fire during <see cref="Advance"/>,
/// in due order, each seeing the clock at its own due time, so Polly timeouts and the client's replay timer
/// follow the test's time, not the machine's.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly Lock _advanceLock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly DateTimeOffset _start;
    private long _elapsedTicks;

    /// <summary>Starts the clock at 2025-01-01T00:00:00Z.</summary>
    public ManualTimeProvider()
        : this(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Starts the clock at <paramref name="start"/>.</summary>
    public ManualTimeProvider(DateTimeOffset start) => _start = start;

    /// <summary>Gets the number of timers that are still scheduled.</summary>
    public int ActiveTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count(t => t.DueAt != long.MaxValue);
            }
        }
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Interlocked.Read(ref _elapsedTicks));

    /// <inheritdoc/>
    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    /// <summary>Moves the clock forward by <paramref name="by"/> and fires every timer that falls due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_advanceLock)
        {
            long target = Interlocked.Read(ref _elapsedTicks) + by.Ticks;
            while (true)
            {
                ManualTimer? next = null;
                lock (_lock)
                {
                    foreach (var timer in _timers)
                    {
                        if (timer.DueAt <= target && (next is null || timer.DueAt < next.DueAt))
                        {
                            next = timer;
                        }
                    }

                    if (next is null)
                    {
                        Interlocked.Exchange(ref _elapsedTicks, target);
                        return;
                    }

                    Interlocked.Exchange(ref _elapsedTicks, Math.Max(Interlocked.Read(ref _elapsedTicks), next.DueAt));
                    next.DueAt = next.PeriodTicks > 0 ? next.DueAt + next.PeriodTicks : long.MaxValue;
                }

                // outside the lock: the callback may create, change or dispose timers
                next.Fire();
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        bool fireNow;
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return;
            }

            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : period.Ticks;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                timer.DueAt = long.MaxValue;
                return;
            }

            fireNow = dueTime <= TimeSpan.Zero;
            timer.DueAt = fireNow
                ? (timer.PeriodTicks > 0 ? Interlocked.Read(ref _elapsedTicks) + timer.PeriodTicks : long.MaxValue)
                : Interlocked.Read(ref _elapsedTicks) + dueTime.Ticks;
        }

        if (fireNow)
        {
            // a zero due time fires at once, as a system timer would, on the thread pool
            ThreadPool.QueueUserWorkItem(static t => t.Fire(), timer, preferLocal: false);
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            timer.DueAt = long.MaxValue;
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueAt { get; set; } = long.MaxValue;

        public long PeriodTicks { get; set; }

        public bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Schedule(this, dueTime, period);
            return !Disposed;
        }

        public void Fire()
        {
            if (!Disposed)
            {
                callback(state);
            }
        }

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
