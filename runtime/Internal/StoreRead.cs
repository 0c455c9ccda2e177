using StackExchange.Redis;

namespace CacheGen.Internal;

/// <summary>
/// What a read of an entry found: the entry's bytes and its stamps, either as <see cref="ICacheStore.ReadAsync"/>
/// returns them (strings) or, from Redis, as the client's reply (bytes, decoded only where the miss path needs strings).
/// </summary>
internal readonly struct StoreRead
{
    private readonly RedisValue[]? _reply;
    private readonly CacheStoreReadResult _result;

    /// <summary>A Redis reply: the entry at 0, then each stamp in the order asked for.</summary>
    public StoreRead(RedisValue[] reply) => _reply = reply;

    public StoreRead(CacheStoreReadResult result) => _result = result;

    /// <summary>Gets the bytes under the key, or <see langword="null"/>.</summary>
    public byte[]? Value => _reply is null ? _result.Value : (byte[]?)_reply[0];

    /// <summary>Gets the stamps as the UTF-8 bytes the store holds, when this is a Redis reply with every stamp present.</summary>
    public bool TryGetStampBytes(out RedisValue[] reply)
    {
        reply = _reply!;
        if (_reply is null)
        {
            return false;
        }

        for (int i = 1; i < _reply.Length; i++)
        {
            if (_reply[i].IsNull)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets the stamps as strings (<see langword="null"/> where absent), in a new array the caller may fill in.</summary>
    public string?[] Stamps()
    {
        if (_reply is null)
        {
            return _result.Stamps;
        }

        var stamps = new string?[_reply.Length - 1];
        for (int i = 0; i < stamps.Length; i++)
        {
            stamps[i] = _reply[i + 1].IsNull ? null : (string?)_reply[i + 1];
        }

        return stamps;
    }
}
