using System.Text;
using CacheGen.Internal;
using CacheGen.IntegrationTests.Infrastructure;
using CacheGen.Stores;

namespace CacheGen.IntegrationTests;

/// <summary>The store's Lua scripts and reads, checked against what a real Redis then holds.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisCacheStoreTests : IDisposable
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(60);
    private readonly RedisServerFixture _server;
    private readonly RedisCacheStore _store;
    private readonly string _prefix = TestCache.NewPrefix();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public RedisCacheStoreTests(RedisServerFixture server)
    {
        _server = server;
        _store = new RedisCacheStore(RedisConnectionSettings.Parse(server.Configuration, new CacheGenOptions()));
    }

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _store.Dispose();
        _timeout.Dispose();
    }

    [RedisFact]
    public async Task WriteIfUnchanged_EmptyHeaderOnAbsentKey_Writes()
    {
        // arrange
        string key = Key("absent");
        byte[] entry = Entry(key, "v1");

        // act
        bool written = await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, entry, s_ttl, Ct);

        // assert
        Assert.True(written);
        Assert.Equal(entry, await _server.GetBytesAsync(key));
    }

    [RedisFact]
    public async Task WriteIfUnchanged_EmptyHeaderOnPresentKey_IsRefused()
    {
        // arrange: another writer got there first
        string key = Key("present");
        byte[] first = Entry(key, "first");
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, first, s_ttl, Ct));

        // act
        bool written = await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, Entry(key, "second"), s_ttl, Ct);

        // assert
        Assert.False(written);
        Assert.Equal(first, await _server.GetBytesAsync(key));
    }

    [RedisFact]
    public async Task WriteIfUnchanged_CurrentHeaderWrites_StaleHeaderIsRefused()
    {
        // arrange
        string key = Key("stale");
        byte[] v1 = Entry(key, "v1");
        byte[] v2 = Entry(key, "v2");
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, v1, s_ttl, Ct));

        // act: two writers both read v1; the first replaces it, the second is now stale
        bool current = await _store.WriteIfUnchangedAsync(key, Header(v1), v2, s_ttl, Ct);
        bool stale = await _store.WriteIfUnchangedAsync(key, Header(v1), Entry(key, "v3"), s_ttl, Ct);

        // assert
        Assert.True(current);
        Assert.False(stale);
        Assert.Equal(v2, await _server.GetBytesAsync(key));
    }

    [RedisFact]
    public async Task Remove_LeavesTombstone_RefusingAWriteWhoseHeaderWasReadBefore()
    {
        // arrange: a reader saw v1 before the invalidation
        string key = Key("tombstone");
        byte[] v1 = Entry(key, "v1");
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, v1, s_ttl, Ct));
        var before = await _store.ReadAsync(key, [], Ct);
        byte[] tombstone = Envelope.NewTombstone();

        // act
        await _store.RemoveAsync(key, tombstone, TimeSpan.FromSeconds(30), Ct);
        bool lateWrite = await _store.WriteIfUnchangedAsync(key, Header(before.Value!), Entry(key, "late"), s_ttl, Ct);
        bool blindWrite = await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, Entry(key, "blind"), s_ttl, Ct);

        // assert: the tombstone is what Redis holds, for its own TTL
        Assert.False(lateWrite);
        Assert.False(blindWrite);
        Assert.Equal(tombstone, await _server.GetBytesAsync(key));
        AssertPttl(TimeSpan.FromSeconds(30), await _server.PttlAsync(key));

        // and a reader that saw the tombstone may write
        byte[] fresh = Entry(key, "fresh");
        Assert.True(await _store.WriteIfUnchangedAsync(key, Header(tombstone), fresh, s_ttl, Ct));
        Assert.Equal(fresh, await _server.GetBytesAsync(key));
    }

    [RedisFact]
    public async Task Remove_AbsentKey_LeavesTombstone()
    {
        // arrange
        string key = Key("never-written");

        // act
        await _store.RemoveAsync(key, Envelope.NewTombstone(), TimeSpan.FromSeconds(30), Ct);

        // assert: a write-back that read "absent" before the invalidation is refused
        Assert.False(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, Entry(key, "late"), s_ttl, Ct));
    }

    [RedisFact]
    public async Task WriteIfUnchanged_Ttl_PttlIsTheRequestedTtl()
    {
        // arrange
        string key = Key("ttl");
        string shortKey = Key("ttl-short");

        // act
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, Entry(key, "v"), TimeSpan.FromSeconds(90), Ct));
        Assert.True(await _store.WriteIfUnchangedAsync(shortKey, ReadOnlyMemory<byte>.Empty, Entry(shortKey, "v"), TimeSpan.FromMilliseconds(2500), Ct));

        // assert
        AssertPttl(TimeSpan.FromSeconds(90), await _server.PttlAsync(key));
        AssertPttl(TimeSpan.FromMilliseconds(2500), await _server.PttlAsync(shortKey));
    }

    [RedisFact]
    public async Task SetStamp_ReplacesTheStampWithItsTtl()
    {
        // arrange
        string stampKey = Key("%ns:stamped");

        // act
        await _store.SetStampAsync(stampKey, "aaa", TimeSpan.FromSeconds(120), Ct);
        string? first = Encoding.UTF8.GetString((await _server.GetBytesAsync(stampKey))!);
        await _store.SetStampAsync(stampKey, "bbb", TimeSpan.FromSeconds(300), Ct);

        // assert
        Assert.Equal("aaa", first);
        Assert.Equal("bbb"u8.ToArray(), await _server.GetBytesAsync(stampKey));
        AssertPttl(TimeSpan.FromSeconds(300), await _server.PttlAsync(stampKey));
    }

    [RedisFact]
    public async Task Read_ReturnsTheValueAndTheStampsInOrder()
    {
        // arrange
        string key = Key("read");
        byte[] entry = Entry(key, "v");
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, entry, s_ttl, Ct));
        await _store.SetStampAsync(Key("%ns:a"), "stamp-a", s_ttl, Ct);
        await _store.SetStampAsync(Key("%tag:c"), "stamp-c", s_ttl, Ct);

        // act
        var read = await _store.ReadAsync(key, [Key("%ns:a"), Key("%tag:b"), Key("%tag:c")], Ct);
        var absent = await _store.ReadAsync(Key("absent"), [Key("%ns:a")], Ct);

        // assert
        Assert.Equal(entry, read.Value);
        Assert.Equal(new string?[] { "stamp-a", null, "stamp-c" }, read.Stamps.AsEnumerable());
        Assert.Null(absent.Value);
        Assert.Equal(new string?[] { "stamp-a" }, absent.Stamps.AsEnumerable());
    }

    [RedisFact]
    public async Task WriteIfUnchanged_AfterScriptFlush_SendsTheScriptAgain()
    {
        // arrange: the script is cached by the server, then dropped (as after a restart or a failover)
        string key = Key("noscript");
        Assert.True(await _store.WriteIfUnchangedAsync(key, ReadOnlyMemory<byte>.Empty, Entry(key, "v1"), s_ttl, Ct));
        Assert.Equal("OK", (await _server.ExecuteAsync("SCRIPT", "FLUSH")).EnsureSuccess().Text);

        // act
        byte[] current = (await _server.GetBytesAsync(key))!;
        bool written = await _store.WriteIfUnchangedAsync(key, Header(current), Entry(key, "v2"), s_ttl, Ct);

        // assert
        Assert.True(written);
    }

    private static byte[] Entry(string key, string payload) =>
        Envelope.Write(key, "fp", 0, null, null, [], Encoding.UTF8.GetBytes(payload));

    private static ReadOnlyMemory<byte> Header(byte[] bytes) => bytes.AsMemory(0, Math.Min(bytes.Length, Envelope.HeaderLength));

    private static void AssertPttl(TimeSpan expected, long pttlMs)
    {
        // PTTL counts down from the moment Redis ran the SET: within 1 s below the request, never above it
        Assert.InRange(pttlMs, (long)expected.TotalMilliseconds - 1000, (long)expected.TotalMilliseconds);
    }

    private string Key(string name) => _prefix + ":store:" + name;
}
