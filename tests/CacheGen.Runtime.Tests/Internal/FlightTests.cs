using CacheGen.Internal;

namespace CacheGen.Runtime.Tests.Internal;

public sealed class FlightTests
{
    [Fact]
    public void Leave_LastWaiter_CancelsTheFactoryToken()
    {
        // arrange
        var flight = new Flight<string>("ns");
        Assert.True(flight.TryJoin());

        // act
        flight.Leave();
        bool afterFirst = flight.Token.IsCancellationRequested;
        flight.Leave();

        // assert
        Assert.False(afterFirst);
        Assert.True(flight.Token.IsCancellationRequested);
    }

    [Fact]
    public void TryJoin_AfterEveryWaiterLeft_ReturnsFalse()
    {
        // arrange
        var flight = new Flight<string>("ns");
        flight.Leave();

        // act
        bool joined = flight.TryJoin();

        // assert
        Assert.False(joined);
    }

    [Fact]
    public async Task Complete_Value_CompletesTheTask()
    {
        // arrange
        var flight = new Flight<string>("ns");

        // act
        flight.Complete("v1");

        // assert
        Assert.Equal("v1", await flight.Task);
    }

    [Fact]
    public void Leave_AfterComplete_DoesNotThrow()
    {
        // arrange: the waiter's token fired just as the value arrived, so it leaves a finished flight
        var flight = new Flight<string>("ns");
        flight.Complete("v1");

        // act
        var thrown = Record.Exception(flight.Leave);

        // assert
        Assert.Null(thrown);
    }

    [Fact]
    public void Leave_AfterFail_DoesNotThrow()
    {
        // arrange
        var flight = new Flight<string>("ns");
        flight.Fail(new InvalidOperationException("boom"));

        // act
        var thrown = Record.Exception(flight.Leave);

        // assert
        Assert.Null(thrown);
    }
}
