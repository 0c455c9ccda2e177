using System.Text.Json;

namespace CacheGen;

/// <summary>The default <see cref="ICacheSerializer"/>: System.Text.Json, strict about unknown members so that a changed type reads as a miss.</summary>
public sealed class SystemTextJsonCacheSerializer : ICacheSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates the serializer with <see cref="JsonSerializerDefaults.General"/> options that refuse unmapped members.</summary>
    public SystemTextJsonCacheSerializer()
        : this(new JsonSerializerOptions(JsonSerializerDefaults.General) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow })
    {
    }

    /// <summary>Creates the serializer with your options.</summary>
    public SystemTextJsonCacheSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc/>
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlySpan<byte> bytes) => JsonSerializer.Deserialize<T>(bytes, _options)!;
}
