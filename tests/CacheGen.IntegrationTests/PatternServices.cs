namespace CacheGen.IntegrationTests.Generated;

/// <summary>A generated service whose key holds a free-text value, for pattern invalidation (docs/design.md S15).</summary>
public sealed partial class PeopleService(ICacheClient cache)
{
    private readonly Dictionary<string, int> _coreCalls = new(StringComparer.Ordinal);

    [Cached("people", 300, Key = "rack:{name}")]
    public partial Task<string> GetAsync(string name, CancellationToken ct = default);

    /// <summary>Returns how many times <c>Core</c> ran for <paramref name="name"/>.</summary>
    public int CoreCalls(string name)
    {
        lock (_coreCalls)
        {
            return _coreCalls.GetValueOrDefault(name);
        }
    }

    private Task<string> GetAsyncCore(string name, CancellationToken ct)
    {
        lock (_coreCalls)
        {
            _coreCalls[name] = _coreCalls.GetValueOrDefault(name) + 1;
        }

        return Task.FromResult("person " + name);
    }
}
