namespace CacheGen.HitPath;

/// <summary>A CacheGen service as a user writes it: the generator writes <see cref="GetAsync"/>.</summary>
public sealed partial class ItemService(ICacheClient cache)
{
    private long _computations;

    /// <summary>Gets how often the implementation ran (a hit does not run it).</summary>
    public long Computations => Interlocked.Read(ref _computations);

    [Cached("items", 3600, Key = "item:{id}")]
    public partial Task<Item> GetAsync(int id, CancellationToken ct = default);

    private Task<Item> GetAsyncCore(int id, CancellationToken ct)
    {
        Interlocked.Increment(ref _computations);
        return Task.FromResult(Item.Create(id));
    }
}
