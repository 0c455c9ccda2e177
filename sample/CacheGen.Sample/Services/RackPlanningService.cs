using CacheGen.Sample.Domain;
using Microsoft.Extensions.Options;

namespace CacheGen.Sample.Services;

/// <summary>Thrown by an implementation when the rack it works on has gone; the API answers 404.</summary>
public sealed class RackNotFoundException(int rackId) : Exception($"Rack {rackId} does not exist.");

/// <summary>
/// The seed systems' rack-planning service, cached by attributes: CacheGen writes the bodies of the partial methods
/// (see <c>obj/generated/</c>). Each read names its TTL and the tags its entry carries; each write names exactly the
/// tags whose entries it changes.
/// </summary>
public sealed partial class RackPlanningService(RackRepository racks, SpecCatalog catalog, IOptions<SampleOptions> options, TimeProvider time, ICacheClient cache)
{
    /// <summary>The cache namespaces of this service, for the operator endpoints.</summary>
    public static readonly string[] Namespaces = ["optimization", "specs", "thermal", "user-racks"];

    private readonly double _work = options.Value.WorkFactor;

    /// <summary>The thermal model of one rack: depends on the rack's devices and inlet temperature.</summary>
    [Cached("thermal", 300, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
    public partial Task<ThermalReport> GetThermalAnalysisAsync(int rackId, CancellationToken ct = default);

    /// <summary>A layout plan for one rack and strategy: depends on the rack's devices, inlet and power budget.</summary>
    [Cached("optimization", 600, Key = "rack:{rackId}:{strategy}", Tags = ["rack:{rackId}"])]
    public partial Task<OptimizationPlan> GetOptimizationAsync(int rackId, OptimizationStrategy strategy, CancellationToken ct = default);

    /// <summary>Catalogue search: the catalogue never changes while the app runs, so nothing invalidates it; it expires.</summary>
    [Cached("specs", 3600, Key = "search:{query}:{limit}")]
    public partial Task<SpecSearchResult> SearchSpecsAsync(string query, int limit, CancellationToken ct = default);

    /// <summary>One page of a user's racks, cached per user: shows names, sites, device counts and power.</summary>
    [Cached("user-racks", 120, Key = "user:{userId}:page:{page}", Tags = ["user:{userId}"])]
    public partial Task<RackPage> GetUserRacksAsync(string userId, int page, CancellationToken ct = default);

    /// <summary>A new name or site: only the owner's rack lists show those.</summary>
    [InvalidatesCache(Tags = ["user:{ownerId}"])]
    public partial Task RenameRackAsync(int rackId, string ownerId, RackUpdate update, CancellationToken ct = default);

    /// <summary>A new inlet temperature or power budget: the rack's thermal analysis and plans, not the lists.</summary>
    [InvalidatesCache(Tags = ["rack:{rackId}"])]
    public partial Task ChangeRackEnvironmentAsync(int rackId, RackUpdate update, CancellationToken ct = default);

    /// <summary>Both kinds of change at once.</summary>
    [InvalidatesCache(Tags = ["rack:{rackId}", "user:{ownerId}"])]
    public partial Task UpdateRackAsync(int rackId, string ownerId, RackUpdate update, CancellationToken ct = default);

    /// <summary>A mounted device changes the rack's heat and power, and its owner's list (device count, power).</summary>
    [InvalidatesCache(Tags = ["rack:{rackId}", "user:{ownerId}"])]
    public partial Task<AddPositionResult> AddPositionAsync(int rackId, string ownerId, NewPosition position, CancellationToken ct = default);

    /// <summary>As <see cref="AddPositionAsync"/>.</summary>
    [InvalidatesCache(Tags = ["rack:{rackId}", "user:{ownerId}"])]
    public partial Task<bool> RemovePositionAsync(int rackId, string ownerId, int positionId, CancellationToken ct = default);

    /// <summary>A deleted rack: its analyses and plans go, and it leaves its owner's list.</summary>
    [InvalidatesCache(Tags = ["rack:{rackId}", "user:{ownerId}"])]
    public partial Task<bool> DeleteRackAsync(int rackId, string ownerId, CancellationToken ct = default);

    private async Task<ThermalReport> GetThermalAnalysisAsyncCore(int rackId, CancellationToken ct)
    {
        var rack = racks.Find(rackId) ?? throw new RackNotFoundException(rackId);
        return await Task.Run(() => ThermalModel.Analyse(rack, catalog, _work, time.GetUtcNow(), ct), ct);
    }

    private async Task<OptimizationPlan> GetOptimizationAsyncCore(int rackId, OptimizationStrategy strategy, CancellationToken ct)
    {
        var rack = racks.Find(rackId) ?? throw new RackNotFoundException(rackId);
        return await Task.Run(() => RackOptimizer.Optimise(rack, strategy, catalog, _work, time.GetUtcNow(), ct), ct);
    }

    private Task<SpecSearchResult> SearchSpecsAsyncCore(string query, int limit, CancellationToken ct) =>
        Task.Run(() => SpecSearch.Search(catalog, query, limit, ct), ct);

    private async Task<RackPage> GetUserRacksAsyncCore(string userId, int page, CancellationToken ct)
    {
        const int PageSize = 10;
        await Task.Delay(TimeSpan.FromMilliseconds(options.Value.UserQueryLatencyMs), time, ct);
        var owned = racks.ByOwner(userId);
        var summaries = owned.Skip((page - 1) * PageSize).Take(PageSize)
            .Select(r => new RackSummary(r.Id, r.Name, r.Site, r.Positions.Count, Math.Round(r.Positions.Sum(p => catalog.ById[p.SpecId].PowerWatts) / 1000, 2)))
            .ToList();
        return new RackPage(userId, page, PageSize, owned.Count, [.. summaries]);
    }

    private Task RenameRackAsyncCore(int rackId, string ownerId, RackUpdate update, CancellationToken ct) => Apply(rackId, update);

    private Task ChangeRackEnvironmentAsyncCore(int rackId, RackUpdate update, CancellationToken ct) => Apply(rackId, update);

    private Task UpdateRackAsyncCore(int rackId, string ownerId, RackUpdate update, CancellationToken ct) => Apply(rackId, update);

    private Task<AddPositionResult> AddPositionAsyncCore(int rackId, string ownerId, NewPosition position, CancellationToken ct) =>
        Task.FromResult(racks.AddPosition(rackId, position.SlotU, position.SpecId, out _));

    private Task<bool> RemovePositionAsyncCore(int rackId, string ownerId, int positionId, CancellationToken ct) =>
        Task.FromResult(racks.RemovePosition(rackId, positionId));

    private Task<bool> DeleteRackAsyncCore(int rackId, string ownerId, CancellationToken ct) => Task.FromResult(racks.Delete(rackId));

    private Task Apply(int rackId, RackUpdate update) =>
        racks.Update(rackId, update) ? Task.CompletedTask : throw new RackNotFoundException(rackId);
}
