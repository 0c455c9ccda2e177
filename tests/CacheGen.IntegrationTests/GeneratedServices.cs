using System.Globalization;

namespace CacheGen.IntegrationTests.Generated
{
    public sealed record Reading(int RackId, double Celsius, int Version);

    /// <summary>A service as a user writes it: CacheGen generates the bodies of the partial methods.</summary>
    public sealed partial class RackService(ICacheClient cache)
    {
        private int _version;
        private int _coreCalls;

        public int CoreCalls => Volatile.Read(ref _coreCalls);

        [Cached("thermal", 300, Key = "rack:{rackId}", Tags = ["site:{site}"])]
        public partial Task<Reading> GetReadingAsync(int rackId, string site, CancellationToken ct = default);

        [InvalidatesCache("thermal", Key = "rack:{rackId}")]
        public partial Task UpdateRackAsync(int rackId, CancellationToken ct = default);

        [InvalidatesCache(Tags = ["site:{site}"])]
        public partial ValueTask EvacuateSiteAsync(string site);

        [InvalidatesCache("thermal")]
        public partial void Recalibrate();

        [Cached("thermal.sync", 60)]
        public partial string Describe(int rackId);

        private Task<Reading> GetReadingAsyncCore(int rackId, string site, CancellationToken ct)
        {
            Interlocked.Increment(ref _coreCalls);
            return Task.FromResult(new Reading(rackId, 20 + rackId, Volatile.Read(ref _version)));
        }

        private Task UpdateRackAsyncCore(int rackId, CancellationToken ct)
        {
            Interlocked.Increment(ref _version);
            return Task.CompletedTask;
        }

        private ValueTask EvacuateSiteAsyncCore(string site) => default;

        private void RecalibrateCore() => Interlocked.Increment(ref _version);

        private string DescribeCore(int rackId)
        {
            Interlocked.Increment(ref _coreCalls);
            return "rack " + rackId.ToString(CultureInfo.InvariantCulture);
        }
    }
}

namespace CacheGen.IntegrationTests.Generated.Alpha
{
    public sealed partial class LookupService(ICacheClient cache)
    {
        private int _coreCalls;

        public int CoreCalls => Volatile.Read(ref _coreCalls);

        [Cached("lookup", 120)]
        public partial ValueTask<string> FindAsync(string a, string b);

        private ValueTask<string> FindAsyncCore(string a, string b)
        {
            Interlocked.Increment(ref _coreCalls);
            return new("alpha|" + a + "|" + b);
        }
    }
}

namespace CacheGen.IntegrationTests.Generated.Beta
{
    public sealed partial class LookupService(ICacheClient cache)
    {
        private int _coreCalls;

        public int CoreCalls => Volatile.Read(ref _coreCalls);

        [Cached("lookup", 120)]
        public partial ValueTask<string> FindAsync(string a, string b);

        private ValueTask<string> FindAsyncCore(string a, string b)
        {
            Interlocked.Increment(ref _coreCalls);
            return new("beta|" + a + "|" + b);
        }
    }
}
