using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Infrastructure;

public sealed class ChaosCacheStoreTests
{
    [Fact]
    public async Task FailNext_Two_FailsExactlyTheNextTwoCalls()
    {
        // arrange
        var store = new ChaosCacheStore(new MemoryCacheStore(new FakeTimeProvider()));
        store.FailNext(2);

        // act
        var first = await Record.ExceptionAsync(() => store.ReadAsync("k", [], default).AsTask());
        var second = await Record.ExceptionAsync(() => store.SetStampAsync("s", "1", TimeSpan.FromSeconds(1), default).AsTask());
        var third = await Record.ExceptionAsync(() => store.ReadAsync("k", [], default).AsTask());

        // assert
        Assert.IsType<ChaosException>(first);
        Assert.IsType<ChaosException>(second);
        Assert.Null(third);
        Assert.Equal(2, store.Reads);
        Assert.Equal(1, store.StampWrites);
        Assert.Equal(2, store.Faults);
    }

    [Theory]
    [InlineData(BreakType.Synchronous)]
    [InlineData(BreakType.Asynchronous)]
    [InlineData(BreakType.AsynchronousYield)]
    public async Task Faulted_EachBreakType_Throws(BreakType breakType)
    {
        // arrange
        var store = new ChaosCacheStore(new MemoryCacheStore(new FakeTimeProvider())) { Faulted = true, BreakType = breakType };

        // act
        var thrown = await Record.ExceptionAsync(() => store.RemoveAsync("k", [1], TimeSpan.FromSeconds(1), default).AsTask());

        // assert
        Assert.IsType<ChaosException>(thrown);
    }

    [Fact]
    public async Task Delay_TokenCancelled_ThrowsOperationCanceled()
    {
        // arrange
        var store = new ChaosCacheStore(new MemoryCacheStore(new FakeTimeProvider()), new FakeTimeProvider());
        store.Delay(TimeSpan.FromHours(1));
        using var cts = new CancellationTokenSource();
        var read = store.ReadAsync("k", [], cts.Token).AsTask();

        // act
        cts.Cancel();

        // assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }
}
