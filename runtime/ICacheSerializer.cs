namespace CacheGen;

/// <summary>Turns cached values into bytes and back. Register your own to replace the default (System.Text.Json).</summary>
public interface ICacheSerializer
{
    /// <summary>Serializes <paramref name="value"/>.</summary>
    byte[] Serialize<T>(T value);

    /// <summary>Deserializes a value written by <see cref="Serialize{T}"/>. Throws on malformed input; the client turns that into a counted miss.</summary>
    T Deserialize<T>(ReadOnlySpan<byte> bytes);
}
