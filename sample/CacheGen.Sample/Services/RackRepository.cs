using System.Collections.Concurrent;

namespace CacheGen.Sample.Services;

/// <summary>An in-memory stand-in for the seed systems' database, with a deliberate delay.</summary>
public sealed class RackRepository
{
    private readonly ConcurrentDictionary<int, RackUpdate> _racks = new();
    private long _computations;

    /// <summary>Gets how many times an expensive computation ran (cached calls do not count).</summary>
    public long Computations => Interlocked.Read(ref _computations);

    public async Task<RackUpdate> GetAsync(int rackId, CancellationToken ct)
    {
        await Task.Delay(50, ct);
        return _racks.GetOrAdd(rackId, id => new RackUpdate(18 + (id % 7), 30 + (id % 11)));
    }

    public Task UpdateAsync(int rackId, RackUpdate update, CancellationToken ct)
    {
        _racks[rackId] = update;
        return Task.CompletedTask;
    }

    public long CountComputation() => Interlocked.Increment(ref _computations);
}
