using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md S17 at the payload level: bad bytes under a key are a counted miss, then overwritten.</summary>
public sealed class CorruptEntryTests
{
    public enum Corruption
    {
        Garbage,
        TruncatedByOne,
        PaddedByOne,
        CopiedFromAnotherKey,
        EmptyValue,
        HeaderOnly,
        PayloadOfAnotherType,
    }

    [Theory]
    [InlineData(Corruption.Garbage)]
    [InlineData(Corruption.TruncatedByOne)]
    [InlineData(Corruption.PaddedByOne)]
    [InlineData(Corruption.CopiedFromAnotherKey)]
    [InlineData(Corruption.EmptyValue)]
    [InlineData(Corruption.HeaderOnly)]
    [InlineData(Corruption.PayloadOfAnotherType)]
    public async Task GetOrSetAsync_CorruptEntry_IsACountedMissAndIsOverwritten(Corruption corruption)
    {
        // arrange
        using var h = new CacheHarness();
        byte[] bad = await MakeBadBytesAsync(h, corruption);
        await h.Chaos.PutRawAsync(h.FullKey("victim"), bad);
        var source = new Source("fresh");
        long errorsBefore = h.Client.GetStatistics().Errors;

        // act
        string first = await h.GetAsync(source, "victim");
        string second = await h.GetAsync(source, "victim");

        // assert
        Assert.Equal("fresh", first);
        Assert.Equal("fresh", second);
        Assert.Equal(1, source.Calls);
        Assert.Equal(errorsBefore + 1, h.Client.GetStatistics().Errors);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "deserialization"), (CacheGenDiagnostics.OperationTag, "read")));
        Assert.Equal(1, h.Requests.Sum((CacheGenDiagnostics.ResultTag, "hit")));
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 12);
    }

    [Fact]
    public async Task GetOrSetAsync_ManyCorruptEntriesInOneNamespace_WarnsOnce()
    {
        // arrange
        using var h = new CacheHarness();
        for (int i = 0; i < 5; i++)
        {
            await h.Chaos.PutRawAsync(h.FullKey("k" + i), [0xff, 0xfe, 0x00, (byte)'x']);
        }

        var source = new Source("fresh");

        // act
        for (int i = 0; i < 5; i++)
        {
            await h.GetAsync(source, "k" + i);
        }

        // assert
        Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 12);
        Assert.Equal(5, h.Logger.Collector.GetSnapshot().Count(e => e.Id.Id == 13 && e.Level == Microsoft.Extensions.Logging.LogLevel.Debug));
        Assert.Equal(5, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task GetOrSetAsync_HalfOpenProbeReadsACorruptEntry_ClosesTheCircuit()
    {
        // arrange: a probe whose bytes do not decode still proves the store answers; the breaker must not wedge
        using var h = new CacheHarness();
        await h.Chaos.PutRawAsync(h.FullKey("probe"), [0xff, 0xfe, 0x00]);
        h.Chaos.Faulted = true;
        var source = new Source("v1");
        for (int i = 0; i < h.Options.BreakerFailureThreshold; i++)
        {
            await h.GetAsync(source, "opening-" + i);
        }

        h.Chaos.Faulted = false;
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.BreakDurationSeconds));

        // act
        string value = await h.GetAsync(source, "probe");

        // assert
        Assert.Equal("v1", value);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "deserialization")));
    }

    private static async Task<byte[]> MakeBadBytesAsync(CacheHarness h, Corruption corruption)
    {
        switch (corruption)
        {
            case Corruption.Garbage:
                return [0xff, 0xfe, 0x00, .. "garbage"u8];
            case Corruption.EmptyValue:
                return [];
            case Corruption.HeaderOnly:
                return [(byte)'C', (byte)'G', 1, .. new byte[16]];
            case Corruption.CopiedFromAnotherKey:
                return await ValidEntryAsync(h, "donor", "donor value");
            case Corruption.PayloadOfAnotherType:
                // a well-formed entry of this key whose payload is a number, read as a string: a type mismatch
                return await ValidEntryOfAsync(h, "victim", 42);
            default:
                byte[] valid = await ValidEntryAsync(h, "victim", "stale");
                return corruption == Corruption.TruncatedByOne ? valid[..^1] : [.. valid, 0];
        }
    }

    private static async Task<byte[]> ValidEntryAsync(CacheHarness h, string key, string value)
    {
        await h.GetAsync(new Source(value), key);
        byte[]? bytes = await h.Chaos.GetRawAsync(h.FullKey(key));
        Assert.NotNull(bytes);
        return bytes;
    }

    private static async Task<byte[]> ValidEntryOfAsync(CacheHarness h, string key, int value)
    {
        await h.Client.GetOrSetAsync(CacheHarness.Method, key, null, value, static (v, _) => new ValueTask<int>(v));
        byte[]? bytes = await h.Chaos.GetRawAsync(h.FullKey(key));
        Assert.NotNull(bytes);
        return bytes;
    }
}
