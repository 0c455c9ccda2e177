using System.Text;
using CacheGen.Internal;
using StackExchange.Redis;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// docs/design.md "The Redis hit path": the hit path's in-place check (<see cref="Envelope.TryMatch"/>) accepts exactly
/// the entries the general decoder (<see cref="Envelope.TryRead"/> plus the client's comparisons) accepts as hits, and
/// nothing else: another key, fingerprint, epoch, namespace stamp, tag or tag stamp, a tombstone, a truncated entry.
/// </summary>
public sealed class EnvelopeMatchTests
{
    private const string Epoch = "0a1b2c3d4e5f60718293a4b5";
    private const string NsStamp = "ffeeddccbbaa998877665544";
    private static readonly byte[] s_payload = [0x93, 0x01, 0x02, 0x03];

    public static TheoryData<string, string[]> Keys => new()
    {
        { "app:users:42", [] },
        { "app:users:42", ["team:1", "org:7"] },
        { "app:usërs:€42:😀", ["tâg:é"] },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void TryMatch_EntryOfThisKeyTypeAndStamps_MatchesAndFindsThePayload(string key, string[] tags)
    {
        // arrange
        string[] tagStamps = tags.Select((_, i) => "stamp" + i).ToArray();
        byte[] bytes = Envelope.Write(key, "fp", 1234, Epoch + "/" + NsStamp, tags, tagStamps, s_payload);

        // act
        bool matched = Envelope.TryMatch(bytes, key, "fp", Reply(bytes, Epoch, NsStamp, tagStamps), tags, out long created, out int start);

        // assert: and the general decoder agrees, and so does the check against local stamp copies (StampTokens)
        Assert.True(Envelope.TryMatch(bytes, key, "fp", Held(Epoch, NsStamp, tagStamps), tags, out long createdLocal, out int startLocal));
        Assert.Equal((created, start), (createdLocal, startLocal));
        Assert.True(matched);
        Assert.Equal(1234, created);
        Assert.Equal(s_payload, bytes[start..]);
        Assert.True(Envelope.TryRead(bytes, key, out var entry, out _));
        Assert.Equal(entry.Payload.ToArray(), bytes[start..]);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("fingerprint")]
    [InlineData("epoch")]
    [InlineData("namespace")]
    [InlineData("tag")]
    [InlineData("tagStamp")]
    [InlineData("tagCount")]
    [InlineData("tombstone")]
    public void TryMatch_AnythingElse_DoesNotMatch(string what)
    {
        // arrange: one entry written under "team:1", and a read that differs from it in one respect
        string[] tags = ["team:1"];
        byte[] bytes = what == "tombstone"
            ? Envelope.NewTombstone()
            : Envelope.Write("app:users:42", "fp", 1, Epoch + "/" + NsStamp, tags, ["s1"], s_payload);
        string key = what == "key" ? "app:users:43" : "app:users:42";
        string fingerprint = what == "fingerprint" ? "fp2" : "fp";
        string epoch = what == "epoch" ? Epoch.Replace('0', '9') : Epoch;
        string ns = what == "namespace" ? NsStamp.Replace('f', 'e') : NsStamp;
        string[] readTags = what switch { "tag" => ["team:2"], "tagCount" => [], _ => tags };
        string[] stamps = what switch { "tagStamp" => ["s2"], "tagCount" => [], _ => ["s1"] };

        // act
        bool matched = Envelope.TryMatch(bytes, key, fingerprint, Reply(bytes, epoch, ns, stamps), readTags, out _, out _);
        bool matchedLocal = Envelope.TryMatch(bytes, key, fingerprint, Held(epoch, ns, stamps), readTags, out _, out _);

        // assert
        Assert.False(matched);
        Assert.False(matchedLocal);
    }

    [Fact]
    public void TryMatch_TruncatedOrPaddedEntry_NeverMatchesNorThrows()
    {
        // arrange
        byte[] bytes = Envelope.Write("app:users:42", "fp", 1, Epoch + "/" + NsStamp, ["t"], ["s"], s_payload);
        var reply = Reply(bytes, Epoch, NsStamp, ["s"]);

        // act / assert: every shorter prefix, and one byte too many
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(Envelope.TryMatch(bytes[..length], "app:users:42", "fp", reply, ["t"], out _, out _));
            Assert.False(Envelope.TryMatch(bytes[..length], "app:users:42", "fp", Held(Epoch, NsStamp, ["s"]), ["t"], out _, out _));
        }

        Assert.False(Envelope.TryMatch([.. bytes, 0], "app:users:42", "fp", reply, ["t"], out _, out _));
        Assert.False(Envelope.TryMatch([.. bytes, 0], "app:users:42", "fp", Held(Epoch, NsStamp, ["s"]), ["t"], out _, out _));
    }

    /// <summary>Local stamp copies as <see cref="StampTokens.TryGet"/> gives them: the scope's alone, or it and one per tag.</summary>
    private static object Held(string epoch, string ns, string[] tagStamps)
    {
        var scope = Token(epoch + "/" + ns);
        return tagStamps.Length == 0 ? scope : new[] { scope }.Concat(tagStamps.Select(Token)).ToArray();
    }

    private static StampTokens.Token Token(string stamp) => new(Encoding.UTF8.GetBytes(stamp), new L1Cache.Cell(), 0, 0, long.MaxValue);

    private static RedisValue[] Reply(byte[] entry, string epoch, string ns, string[] tagStamps) =>
        [entry, Encoding.UTF8.GetBytes(epoch), Encoding.UTF8.GetBytes(ns), .. tagStamps.Select(s => (RedisValue)Encoding.UTF8.GetBytes(s))];
}
