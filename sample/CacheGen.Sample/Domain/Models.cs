using System.Collections.Immutable;

namespace CacheGen.Sample.Domain;

/// <summary>A rack in a data centre: the seed systems' core entity.</summary>
public sealed record Rack(int Id, string Name, string OwnerId, string Site, int HeightU, double MaxPowerKw, double InletCelsius, IReadOnlyList<RackPosition> Positions);

/// <summary>A device mounted in a rack, from its lowest unit <see cref="SlotU"/> (1-based) upwards.</summary>
public sealed record RackPosition(int Id, int SlotU, string SpecId);

/// <summary>A device model from the vendor catalogue.</summary>
public sealed record DeviceSpec(string Id, string Vendor, string Model, string Category, int HeightU, double PowerWatts, double AirflowCfm);

/// <summary>A change to a rack (<c>PUT /api/racks/{id}</c>); fields left out stay as they are.</summary>
public sealed record RackUpdate(string? Name, string? Site, double? MaxPowerKw, double? InletCelsius);

/// <summary>A device to mount (<c>POST /api/racks/{id}/positions</c>).</summary>
public sealed record NewPosition(int SlotU, string SpecId);

/// <summary>How the optimiser weighs a layout.</summary>
public enum OptimizationStrategy
{
    /// <summary>A mix of the other three.</summary>
    Balanced,

    /// <summary>Even power draw across the rack's PDU zones.</summary>
    Power,

    /// <summary>Hot devices low, where the inlet air is coolest, and not next to each other.</summary>
    Thermal,

    /// <summary>Devices of one category together.</summary>
    Density,
}

/// <summary>The outlet temperature at one rack unit.</summary>
public sealed record SlotTemperature(int SlotU, double Celsius);

/// <summary>The thermal analysis of a rack (<c>GET /api/racks/{id}/thermal-analysis</c>, cached 300 s).</summary>
public sealed record ThermalReport(
    int RackId,
    double InletCelsius,
    double TotalPowerKw,
    double MaxOutletCelsius,
    int HotspotSlotU,
    string Status,
    int Iterations,
    ImmutableArray<SlotTemperature> OutletProfile,
    DateTimeOffset ComputedAt);

/// <summary>One device moved by an optimisation plan.</summary>
public sealed record PositionMove(int PositionId, string SpecId, int FromSlotU, int ToSlotU);

/// <summary>A layout plan (<c>GET /api/racks/{id}/optimization?strategy=</c>, cached 600 s).</summary>
public sealed record OptimizationPlan(
    int RackId,
    OptimizationStrategy Strategy,
    double ScoreBefore,
    double ScoreAfter,
    long LayoutsEvaluated,
    ImmutableArray<PositionMove> Moves,
    DateTimeOffset ComputedAt);

/// <summary>One catalogue match.</summary>
public sealed record SpecHit(string Id, string Vendor, string Model, string Category, int HeightU, double PowerWatts, double Score);

/// <summary>Catalogue search results (<c>GET /api/specs/search?q=</c>, cached 3600 s).</summary>
public sealed record SpecSearchResult(string Query, int Matches, int Scanned, ImmutableArray<SpecHit> Hits);

/// <summary>A rack in a user's list.</summary>
public sealed record RackSummary(int Id, string Name, string Site, int PositionCount, double TotalPowerKw);

/// <summary>One page of a user's racks (<c>GET /api/users/me/racks?page=</c>, cached per user).</summary>
public sealed record RackPage(string UserId, int Page, int PageSize, int TotalRacks, ImmutableArray<RackSummary> Racks);
