namespace CacheGen.Sample.Services;

/// <summary>A thermal analysis of one rack: the expensive result the seed systems cache for 5 minutes.</summary>
public sealed record ThermalReport(int RackId, double InletCelsius, double OutletCelsius, string Status, long Computation, DateTimeOffset ComputedAt);

/// <summary>A change to a rack.</summary>
public sealed record RackUpdate(double InletCelsius, double OutletCelsius);

/// <summary>A search hit.</summary>
public sealed record SearchHit(int RackId, string Name);
