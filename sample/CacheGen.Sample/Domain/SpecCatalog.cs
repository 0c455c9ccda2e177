using System.Collections.Frozen;
using System.Globalization;

namespace CacheGen.Sample.Domain;

/// <summary>The vendor catalogue: 20,000 device models, generated the same way on every start.</summary>
public sealed class SpecCatalog
{
    private static readonly (string Vendor, string Prefix)[] s_vendors =
    [
        ("Dell", "PowerEdge R"), ("HPE", "ProLiant DL"), ("Lenovo", "ThinkSystem SR"), ("Supermicro", "SuperServer "),
        ("Cisco", "Nexus "), ("Arista", "DCS-7"), ("Juniper", "QFX"), ("NetApp", "AFF A"), ("Pure", "FlashArray X"), ("Nvidia", "DGX H"),
    ];

    private static readonly (string Category, int HeightU, double Watts, double Cfm)[] s_categories =
    [
        ("server", 1, 450, 60), ("server", 2, 750, 110), ("storage", 2, 600, 90), ("storage", 4, 1100, 160),
        ("switch", 1, 350, 50), ("gpu", 4, 3200, 420), ("gpu", 8, 10200, 1100),
    ];

    /// <summary>Creates the catalogue.</summary>
    public SpecCatalog()
    {
        var specs = new List<DeviceSpec>(20_000);
        for (int i = 0; i < 20_000; i++)
        {
            var (vendor, prefix) = s_vendors[i % s_vendors.Length];
            var (category, height, watts, cfm) = s_categories[(i / s_vendors.Length) % s_categories.Length];
            int series = 100 + ((i * 7919) % 900);
            double variation = 0.8 + (((i * 104729) % 400) / 1000.0);
            specs.Add(new DeviceSpec(
                $"{vendor.ToLowerInvariant()}-{i:00000}",
                vendor,
                prefix + series.ToString(CultureInfo.InvariantCulture),
                category,
                height,
                Math.Round(watts * variation),
                Math.Round(cfm * variation)));
        }

        All = specs;
        ById = specs.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>Gets every spec, in catalogue order.</summary>
    public IReadOnlyList<DeviceSpec> All { get; }

    /// <summary>Gets the specs by id.</summary>
    public FrozenDictionary<string, DeviceSpec> ById { get; }
}
