using System.Collections.Generic;

namespace CacheGen.Generator;

/// <summary>
/// One supported scalar key type: its metadata name, how its values compare in CGEN022 (<c>TextForm</c>: every integer
/// type is written the same way), why it is imprecise (CGEN015) and whether it is unbounded (CGEN018). Each is written
/// by the <c>CacheKeyBuilder.Add</c> overload for the type, culture-invariantly and injectively.
/// </summary>
internal sealed record KeyTypeRow(string MetadataName, string TextForm, string? Imprecise = null, bool Unbounded = false);

/// <summary>
/// The key-type table: the one place that says which scalar types can be key parts. A new key type is one row here,
/// one <c>CacheKeyBuilder.Add</c> overload in the runtime, and their tests. Enums, nullables, lists, records and
/// structs are shapes built from these rows (see <c>Parser.KeyValueOf</c>).
/// </summary>
internal static class KeyTypes
{
    private const string FloatingPoint = "floating-point: results of arithmetic that print alike can differ in the last bit, so near-equal inputs miss";

    public static readonly KeyTypeRow[] Rows =
    [
        new("System.String", "string", Unbounded: true),
        new("System.Char", "string"),
        new("System.Boolean", "bool"),
        new("System.SByte", "integer"),
        new("System.Byte", "integer"),
        new("System.Int16", "integer"),
        new("System.UInt16", "integer"),
        new("System.Int32", "integer"),
        new("System.UInt32", "integer"),
        new("System.Int64", "integer"),
        new("System.UInt64", "integer"),
        new("System.Int128", "integer"),
        new("System.UInt128", "integer"),
        new("System.Numerics.BigInteger", "integer"),
        new("System.Half", "floating", FloatingPoint),
        new("System.Single", "floating", FloatingPoint),
        new("System.Double", "floating", FloatingPoint),
        new("System.Decimal", "decimal"),
        new("System.Guid", "guid"),
        new("System.DateTime", "datetime", "a DateTime: its Kind is ignored, so a local and a UTC time with the same digits share one key; prefer DateTimeOffset or DateOnly"),
        new("System.DateTimeOffset", "datetimeoffset"),
        new("System.DateOnly", "dateonly"),
        new("System.TimeOnly", "timeonly"),
        new("System.TimeSpan", "timespan"),
    ];

    private static readonly Dictionary<string, KeyTypeRow> s_byName = Index();

    /// <summary>The row for a type's full metadata name (<c>System.Int32</c>), or null.</summary>
    public static KeyTypeRow? Find(string metadataName) => s_byName.TryGetValue(metadataName, out var row) ? row : null;

    private static Dictionary<string, KeyTypeRow> Index()
    {
        var index = new Dictionary<string, KeyTypeRow>();
        foreach (var row in Rows)
        {
            index.Add(row.MetadataName, row);
        }

        return index;
    }
}
