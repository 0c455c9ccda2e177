using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using CacheGen.Generated;

namespace CacheGen.Benchmarks;

/// <summary>
/// Issue 8: the formatter CacheGen generates (as the runtime stores it: MessagePack, LZ4 above 1 KiB, CRC-32C)
/// against System.Text.Json with reflection and with its source generator, on a record with 12 members and a
/// list of 20 child records. One operation = serialize + deserialize.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ValueFormatterBenchmarks
{
    private static readonly JsonSerializerOptions s_reflection = new(JsonSerializerDefaults.General);
    private readonly CachedMethod<BenchOrder> _method = new("bench", "order", 60, "fp", CacheGenValueResolver.Instance.GetFormatter<BenchOrder>(), false);
    private BenchOrder _order = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _order = new BenchOrder(
            12345,
            Guid.NewGuid(),
            "customer-" + random.Next(),
            "Amsterdam, Rack 17",
            new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.FromHours(1)),
            new DateTime(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc),
            1234.56m,
            0.21,
            BenchStatus.Shipped,
            true,
            "priority handling, fragile",
            Enumerable.Range(0, 20).Select(i => new BenchLine(i, "SKU-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), "Server blade model " + i, 1 + (i % 4), 99.5m + i, i % 3 == 0)).ToList());
    }

    /// <summary>Payload sizes, printed once so docs/benchmarks.md can quote them.</summary>
    [GlobalCleanup]
    public void Sizes() => Console.WriteLine(
        $"// payload bytes: cachegen={_method.Serialize(_order).Length} stj={JsonSerializer.SerializeToUtf8Bytes(_order, s_reflection).Length} stj-sourcegen={JsonSerializer.SerializeToUtf8Bytes(_order, BenchJsonContext.Default.BenchOrder).Length}");

    [Benchmark(Baseline = true, Description = "System.Text.Json, reflection")]
    public BenchOrder SystemTextJsonReflection() => JsonSerializer.Deserialize<BenchOrder>(JsonSerializer.SerializeToUtf8Bytes(_order, s_reflection), s_reflection)!;

    [Benchmark(Description = "System.Text.Json, source-generated")]
    public BenchOrder SystemTextJsonSourceGenerated() => JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(_order, BenchJsonContext.Default.BenchOrder), BenchJsonContext.Default.BenchOrder)!;

    [Benchmark(Description = "CacheGen generated MessagePack formatter")]
    public BenchOrder CacheGenFormatter() => _method.Deserialize(_method.Serialize(_order));
}

public enum BenchStatus
{
    Open,
    Shipped,
    Closed,
}

public sealed record BenchLine(int Line, string Sku, string Description, int Quantity, decimal UnitPrice, bool Backordered);

public sealed record BenchOrder(
    int Id,
    Guid Reference,
    string Customer,
    string Site,
    DateTimeOffset PlacedAt,
    DateTime UpdatedUtc,
    decimal Total,
    double TaxRate,
    BenchStatus Status,
    bool Paid,
    string? Notes,
    List<BenchLine> Lines);

[JsonSerializable(typeof(BenchOrder))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>Makes the generator emit BenchOrder's formatter, as a user's cached method would.</summary>
public sealed partial class BenchOrderService(ICacheClient cache)
{
    [Cached("bench", 60)]
    public partial Task<BenchOrder> GetAsync(int id);

    private Task<BenchOrder> GetAsyncCore(int id) => throw new NotSupportedException();
}
