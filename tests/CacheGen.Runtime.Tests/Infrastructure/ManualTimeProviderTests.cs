namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>The fake clock is test code too: if its timers misfire, every timing test above proves nothing.</summary>
public sealed class ManualTimeProviderTests
{
    [Fact]
    public void Advance_MovesUtcNowAndTimestampTogether()
    {
        // arrange
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        long startTimestamp = time.GetTimestamp();

        // act
        time.Advance(TimeSpan.FromSeconds(90));

        // assert
        Assert.Equal(start.AddSeconds(90), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(90), time.GetElapsedTime(startTimestamp));
    }

    [Fact]
    public void CreateTimer_OneShot_FiresOnceWhenDue()
    {
        // arrange
        var time = new ManualTimeProvider();
        int fired = 0;
        using var timer = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        // act
        time.Advance(TimeSpan.FromSeconds(4));
        int beforeDue = fired;
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(60));

        // assert
        Assert.Equal(0, beforeDue);
        Assert.Equal(1, fired);
    }

    [Fact]
    public void CreateTimer_Periodic_FiresOncePerPeriodAtItsDueTime()
    {
        // arrange
        var time = new ManualTimeProvider();
        var seen = new List<TimeSpan>();
        long start = time.GetTimestamp();
        using var timer = time.CreateTimer(_ => seen.Add(time.GetElapsedTime(start)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        // act
        time.Advance(TimeSpan.FromSeconds(3.5));

        // assert
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)], seen);
    }

    [Fact]
    public void CreateTimer_DisposedOrChangedToInfinite_NeverFires()
    {
        // arrange
        var time = new ManualTimeProvider();
        int fired = 0;
        var disposed = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var paused = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        // act
        disposed.Dispose();
        paused.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(0, fired);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task Delay_OnTheManualClock_CompletesOnlyOnAdvance()
    {
        // arrange
        var time = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromMilliseconds(100), time);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100), time);

        // act
        await Task.Delay(20);
        bool completedEarly = delay.IsCompleted || cts.IsCancellationRequested;
        time.Advance(TimeSpan.FromMilliseconds(100));
        await delay.WaitAsync(TimeSpan.FromSeconds(5));

        // assert
        Assert.False(completedEarly);
        Assert.True(cts.IsCancellationRequested);
    }
}
