namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// What the timing tests assume of <see cref="FakeTimeProvider"/> (Microsoft.Extensions.TimeProvider.Testing): the clock
/// moves only on Advance (auto-advance off), timers fire during Advance, once per period that falls due, and Polly-style
/// cancellation and Task.Delay follow it. Unlike the hand-written clock it replaced, a callback sees the clock at the end
/// of the Advance, not at its own due time: a test whose callback reads the clock advances one period at a time.
/// If a package update changes one of these, these fail first.
/// </summary>
public sealed class FakeTimeProviderTests
{
    [Fact]
    public void Advance_MovesUtcNowAndTimestampTogether()
    {
        // arrange
        var time = new FakeTimeProvider();
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
        var time = new FakeTimeProvider();
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
    public void CreateTimer_Periodic_FiresOncePerPeriod_SeeingTheClockAtTheEndOfTheAdvance()
    {
        // arrange
        var time = new FakeTimeProvider();
        var seen = new List<TimeSpan>();
        long start = time.GetTimestamp();
        using var timer = time.CreateTimer(_ => seen.Add(time.GetElapsedTime(start)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        // act: one long advance, then one period at a time
        time.Advance(TimeSpan.FromSeconds(3.5));
        var oneAdvance = seen.ToList();
        seen.Clear();
        time.Advance(TimeSpan.FromSeconds(0.5));
        time.Advance(TimeSpan.FromSeconds(1));

        // assert
        Assert.Equal([TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(3.5)], oneAdvance);
        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)], seen);
    }

    [Fact]
    public void CreateTimer_DisposedOrChangedToInfinite_NeverFires()
    {
        // arrange
        var time = new FakeTimeProvider();
        int fired = 0;
        var disposed = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var paused = time.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        // act
        disposed.Dispose();
        paused.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(0, fired);
    }

    [Fact]
    public async Task Delay_OnTheFakeClock_CompletesOnlyOnAdvance()
    {
        // arrange
        var time = new FakeTimeProvider();
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
