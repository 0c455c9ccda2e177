namespace CacheGen.Sample.Services;

/// <summary>The seed systems' rack service, cached by attributes. CacheGen writes the bodies of the partial methods.</summary>
public sealed partial class RackService(RackRepository racks, ICacheClient cache, TimeProvider time)
{
    [Cached("thermal", 300, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
    public partial Task<ThermalReport> GetThermalAnalysisAsync(int rackId, CancellationToken ct = default);

    [InvalidatesCache("thermal", Key = "rack:{rackId}")]
    [InvalidatesCache(Tags = ["rack:{rackId}"])]
    public partial Task UpdateRackAsync(int rackId, RackUpdate update, CancellationToken ct = default);

    [Cached("search", 3600)]
    public partial ValueTask<IReadOnlyList<SearchHit>> SearchAsync(string query, int limit, CancellationToken ct = default);

    [InvalidatesCache("search")]
    public partial void RebuildSearchIndex();

    private async Task<ThermalReport> GetThermalAnalysisAsyncCore(int rackId, CancellationToken ct)
    {
        var rack = await racks.GetAsync(rackId, ct);
        long computation = racks.CountComputation();
        string status = rack.OutletCelsius - rack.InletCelsius > 12 ? "hot" : "ok";
        return new ThermalReport(rackId, rack.InletCelsius, rack.OutletCelsius, status, computation, time.GetUtcNow());
    }

    private Task UpdateRackAsyncCore(int rackId, RackUpdate update, CancellationToken ct) => racks.UpdateAsync(rackId, update, ct);

    private async ValueTask<IReadOnlyList<SearchHit>> SearchAsyncCore(string query, int limit, CancellationToken ct)
    {
        await Task.Delay(20, ct);
        racks.CountComputation();
        return Enumerable.Range(1, limit).Select(i => new SearchHit(i, $"{query}-{i}")).ToList();
    }

    private void RebuildSearchIndexCore()
    {
    }
}
