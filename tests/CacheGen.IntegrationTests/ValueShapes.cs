using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json.Serialization;

// every value shape issue 8 lists, compiled by the real build of this project: if one could not round-trip, the
// build would fail with CGEN025 (TreatWarningsAsErrors is irrelevant: it is an error)
namespace CacheGen.IntegrationTests.Values
{
    public enum Level
    {
        Low,
        Mid = 5,
        High = int.MaxValue,
    }

    [Flags]
    public enum Bits : byte
    {
        None = 0,
        A = 1,
        B = 2,
    }

    public sealed record Scalars(
        bool Flag, byte U8, sbyte I8, short I16, ushort U16, int I32, uint U32, long I64, ulong U64, float F32, double F64,
        char Ch, string? Text, decimal Money, Guid Id, DateTime When, DateTimeOffset At, TimeSpan Span, DateOnly Day,
        TimeOnly Time, Half Small, Int128 Big128, UInt128 UBig128, BigInteger Huge, Uri? Link, Version? Ver, byte[]? Blob,
        Level Level, Bits Bits, int? MaybeInt, DateTimeOffset? MaybeAt);

    /// <summary>A struct with public fields (came back zeroed through System.Text.Json).</summary>
    public struct PointStruct
    {
        public int X;
        public double Y;
        public string? Label;
    }

    /// <summary>Private setters that a constructor fills (came back with their initial values).</summary>
    public sealed class Account(string owner, decimal balance)
    {
        public string Owner { get; private set; } = owner;

        public decimal Balance { get; private set; } = balance;

        public bool IsEmpty => Balance == 0;
    }

    public sealed class Settings
    {
        public required string Name { get; init; }

        public int Retries { get; set; }

        public string? Comment;
    }

    /// <summary>A non-abstract base returned with derived values (came back as the base).</summary>
    public class RackDevice
    {
        public string Name { get; set; } = "";
    }

    public class RackServer : RackDevice
    {
        public int Cores { get; set; }
    }

    public sealed class RackSwitch : RackDevice
    {
        public int Ports { get; set; }

        public List<string> Uplinks { get; set; } = [];
    }

    public sealed class BladeServer : RackServer
    {
        public int Blades { get; set; }
    }

    /// <summary>Generic, so the walk cannot list it as a known case of <see cref="RackDevice"/>: writing one must fail loudly, once.</summary>
    public sealed class TaggedDevice<T> : RackDevice
    {
        public T? Tag { get; set; }
    }

    [JsonDerivedType(typeof(Circle))]
    [JsonDerivedType(typeof(Square))]
    public abstract record Shape(string Color);

    public sealed record Circle(string Color, double Radius) : Shape(Color);

    public sealed record Square(string Color, double Side) : Shape(Color);

    public interface IAnimal
    {
        string Name { get; }
    }

    public sealed record Dog(string Name, bool Good) : IAnimal;

    public readonly record struct Cat(string Name, int Lives) : IAnimal;

    public sealed class TreeNode
    {
        public int Value { get; set; }

        public TreeNode? Left { get; set; }

        public List<TreeNode> Children { get; set; } = [];
    }

    public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

    public sealed class Collections
    {
        public int[] Array { get; set; } = [];

        public List<string?> List { get; set; } = [];

        public IReadOnlyList<Guid> ReadOnlyList { get; set; } = [];

        public IList<long> IList { get; set; } = [];

        public ICollection<int> ICollection { get; set; } = [];

        public IEnumerable<string> Enumerable { get; set; } = [];

        public IReadOnlyCollection<double> ReadOnlyCollection { get; set; } = [];

        public HashSet<string> Set { get; set; } = [];

        public Dictionary<string, int> Dictionary { get; set; } = [];

        public IReadOnlyDictionary<int, string?> ReadOnlyDictionary { get; set; } = new Dictionary<int, string?>();

        public ImmutableArray<int> ImmutableArray { get; set; } = [];

        public ImmutableList<string> ImmutableList { get; set; } = [];

        public ImmutableHashSet<int> ImmutableHashSet { get; set; } = [];

        public ImmutableSortedSet<int> ImmutableSortedSet { get; set; } = [];

        public ImmutableDictionary<string, int> ImmutableDictionary { get; set; } = ImmutableDictionary<string, int>.Empty;

        public ImmutableSortedDictionary<int, string> ImmutableSortedDictionary { get; set; } = ImmutableSortedDictionary<int, string>.Empty;

        public FrozenSet<string> FrozenSet { get; set; } = FrozenSet<string>.Empty;

        public FrozenDictionary<string, int> FrozenDictionary { get; set; } = FrozenDictionary<string, int>.Empty;

        public List<List<int>> Nested { get; set; } = [];

        public int[][] Jagged { get; set; } = [];

        public Dictionary<Level, List<RackDevice>> ByLevel { get; set; } = [];
    }

    public sealed record Everything(
        Scalars Scalars,
        PointStruct Point,
        PointStruct? MaybePoint,
        Account Account,
        Settings Settings,
        RackDevice Device,
        List<RackDevice> Devices,
        Shape Shape,
        IAnimal Animal,
        List<IAnimal> Animals,
        TreeNode Tree,
        Collections Collections,
        (int Count, string Label) Pair,
        (int A, int B, int C, int D, int E, int F, int G, int H, string I) Long,
        Page<Scalars> Page,
        KeyValuePair<string, Level> Entry);

    /// <summary>A service as a user writes it; the test decides what Core returns.</summary>
    public sealed partial class ValueService(ICacheClient cache)
    {
        public Func<int, Everything> Source { get; set; } = _ => throw new InvalidOperationException("no source");

        public Func<int, RackDevice> DeviceSource { get; set; } = seed => new RackServer { Name = "r" + seed, Cores = seed };

        public int CoreCalls;

        [Cached("values", 300)]
        public partial Task<Everything> GetAsync(int seed);

        [Cached("values.tuple", 300)]
        public partial ValueTask<(int Count, string Label)> GetPairAsync(int seed);

        [Cached("values.device", 300)]
        public partial RackDevice GetDevice(int seed);

        [Cached("values.list", 300)]
        public partial Task<List<RackDevice>> GetDevicesAsync(int seed);

        private Task<Everything> GetAsyncCore(int seed)
        {
            Interlocked.Increment(ref CoreCalls);
            return Task.FromResult(Source(seed));
        }

        private ValueTask<(int Count, string Label)> GetPairAsyncCore(int seed)
        {
            Interlocked.Increment(ref CoreCalls);
            return new((seed, "label " + seed));
        }

        private RackDevice GetDeviceCore(int seed)
        {
            Interlocked.Increment(ref CoreCalls);
            return DeviceSource(seed);
        }

        private Task<List<RackDevice>> GetDevicesAsyncCore(int seed)
        {
            Interlocked.Increment(ref CoreCalls);
            return Task.FromResult(new List<RackDevice> { new RackServer { Name = "s", Cores = 64 }, new RackSwitch { Name = "w", Ports = 48, Uplinks = ["a"] }, new RackDevice { Name = "d" } });
        }
    }
}
