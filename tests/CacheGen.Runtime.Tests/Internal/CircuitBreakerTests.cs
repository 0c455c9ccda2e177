using CacheGen.Internal;
using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests.Internal;

public sealed class CircuitBreakerTests
{
    private static readonly TimeSpan s_first = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void OnFailure_CommandsInFlightDuringOneFault_CountOnce()
    {
        // arrange: 20 commands start, then all fail (one reset socket)
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(5, s_first, TimeSpan.FromSeconds(30), time);
        long started = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(5));

        // act
        for (int i = 0; i < 20; i++)
        {
            breaker.OnFailure(started);
        }

        // assert
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void OnFailure_FiveSeparateFaults_Opens()
    {
        // arrange
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(5, s_first, TimeSpan.FromSeconds(30), time);
        var transitions = new List<CircuitState?>();

        // act: each command starts after the previous one failed
        for (int i = 0; i < 5; i++)
        {
            long started = time.GetTimestamp();
            time.Advance(TimeSpan.FromMilliseconds(1));
            transitions.Add(breaker.OnFailure(started));
        }

        // assert
        Assert.Equal([null, null, null, null, CircuitState.Open], transitions);
    }

    [Fact]
    public void OnSuccess_LateSuccessOfACommandFromBeforeTheOpening_DoesNotClose()
    {
        // arrange
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(1, s_first, TimeSpan.FromSeconds(30), time);
        long slowStarted = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(1));
        breaker.OnFailure(time.GetTimestamp());

        // act
        var transition = breaker.OnSuccess(slowStarted);

        // assert
        Assert.Null(transition);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void EndProbe_TransientReplies_ProbeAgainAfterTwiceTheFirstBreakWithoutGrowing()
    {
        // arrange: LOADING or BUSY answers
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(1, s_first, TimeSpan.FromSeconds(30), time);
        breaker.OnFailure(time.GetTimestamp());
        var breaks = new List<TimeSpan>();

        // act
        for (int i = 0; i < 5; i++)
        {
            time.Advance(breaker.BreakRemaining);
            Assert.True(breaker.TryBeginProbe(now: false, TimeSpan.Zero, out long id, out _));
            breaker.EndProbe(id, ProbeResult.Transient, out var next);
            breaks.Add(next);
        }

        // assert
        Assert.All(breaks, b => Assert.Equal(TimeSpan.FromMilliseconds(500), b));
    }

    [Fact]
    public void TryBeginProbe_RestoredConnection_ProbesAtOnceEvenWithAProbeOutButNotTwiceWithinTheSpacing()
    {
        // arrange
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), time);
        breaker.OnFailure(time.GetTimestamp());

        // act
        bool early = breaker.TryBeginProbe(now: true, TimeSpan.FromMilliseconds(50), out long first, out _);
        bool again = breaker.TryBeginProbe(now: true, TimeSpan.FromMilliseconds(50), out _, out _);
        time.Advance(TimeSpan.FromMilliseconds(50));
        bool spaced = breaker.TryBeginProbe(now: true, TimeSpan.FromMilliseconds(50), out long second, out _);
        var staleFailure = breaker.EndProbe(first, ProbeResult.Failure, out _);
        var closed = breaker.EndProbe(second, ProbeResult.Success, out _);

        // assert
        // the first probe still hangs when the second starts; its late failure does not reopen the circuit
        Assert.Equal((true, false, true), (early, again, spaced));
        Assert.Null(staleFailure);
        Assert.Equal(CircuitState.Closed, closed);
    }
}
