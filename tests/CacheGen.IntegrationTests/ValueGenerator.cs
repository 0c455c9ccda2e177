using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Numerics;
using CacheGen.IntegrationTests.Values;

namespace CacheGen.IntegrationTests;

/// <summary>Random values of every supported shape, biased to the boundaries (seeded: a failure names its seed).</summary>
internal sealed class ValueGenerator(int seed)
{
    private static readonly double[] s_doubles = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue, double.MinValue, 1.0 / 3];
    private static readonly string[] s_strings = ["", "a", "\uD800", "x\uDFFFy", "\uFFFD", "emoji \U0001F600", "line\r\nbreak\0nul", new string('z', 300)];
    private readonly Random _random = new(seed);

    public Everything Everything(int bigListLength = 0) => new(
        Scalars(),
        Point(),
        Pick(2) == 0 ? null : Point(),
        new Account(String()!, Decimal()),
        new Settings { Name = String()!, Retries = _random.Next(), Comment = String() },
        Device(),
        Enumerable.Range(0, Pick(4)).Select(_ => Device()).ToList(),
        Pick(2) == 0 ? new Circle(String()!, Double()) : new Square(String()!, Double()),
        Pick(2) == 0 ? new Dog(String()!, Pick(2) == 0) : new Cat(String()!, _random.Next()),
        Enumerable.Range(0, Pick(3)).Select(i => i % 2 == 0 ? (IAnimal)new Dog("d" + i, true) : new Cat("c" + i, i)).ToList(),
        Tree(3),
        Collections(bigListLength),
        (_random.Next(), String()!),
        (1, 2, 3, 4, 5, 6, 7, _random.Next(), String()!),
        new Page<Scalars>(Enumerable.Range(0, Pick(3)).Select(_ => Scalars()).ToList(), _random.Next()),
        new KeyValuePair<string, Level>(String()!, Level.High));

    public Scalars Scalars() => new(
        Pick(2) == 0,
        Choose<byte>(0, 255, (byte)_random.Next(256)),
        Choose<sbyte>(sbyte.MinValue, sbyte.MaxValue, 0),
        Choose<short>(short.MinValue, short.MaxValue, -1),
        Choose<ushort>(0, ushort.MaxValue, 7),
        Choose(int.MinValue, int.MaxValue, _random.Next()),
        Choose(0u, uint.MaxValue, 9u),
        Choose(long.MinValue, long.MaxValue, _random.NextInt64()),
        Choose(0ul, ulong.MaxValue, (ulong)_random.NextInt64()),
        Choose(float.NaN, float.MaxValue, -0.0f),
        Double(),
        Choose('\0', '\uD800', '\uFFFF'),
        String(),
        Decimal(),
        Pick(3) == 0 ? Guid.Empty : Guid.NewGuid(),
        Choose(
            DateTime.MinValue,
            DateTime.MaxValue,
            new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Local),
            new DateTime(2200, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234567),
            new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Unspecified)),
        Choose(
            new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)),
            new DateTimeOffset(2200, 6, 1, 12, 0, 0, TimeSpan.FromHours(-14)).AddTicks(1),
            new DateTimeOffset(2106, 2, 7, 6, 28, 16, TimeSpan.FromMinutes(345)),
            DateTimeOffset.MinValue,
            DateTimeOffset.MaxValue),
        Choose(TimeSpan.MinValue, TimeSpan.MaxValue, TimeSpan.FromTicks(-1)),
        Choose(DateOnly.MinValue, DateOnly.MaxValue, new DateOnly(1600, 2, 29)),
        Choose(TimeOnly.MinValue, TimeOnly.MaxValue, new TimeOnly(12, 0, 0, 1)),
        Choose(Half.NaN, Half.MaxValue, Half.NegativeZero),
        Choose(Int128.MinValue, Int128.MaxValue, Int128.One),
        Choose(UInt128.MinValue, UInt128.MaxValue, (UInt128)ulong.MaxValue + 1),
        Choose(BigInteger.Zero, BigInteger.Pow(-7, 99), BigInteger.Pow(2, 200)),
        Choose<Uri?>(null, new Uri("https://example.com/a b?x=1#f"), new Uri("relative/path", UriKind.Relative)),
        Choose<Version?>(null, new Version(1, 2), new Version(1, 2, 3, 4)),
        Choose<byte[]?>(null, [], [0, 255, 1]),
        Choose(Level.Low, Level.High, (Level)42),
        Choose(Bits.None, Bits.A | Bits.B, (Bits)255),
        Choose<int?>(null, int.MinValue, 0),
        Choose<DateTimeOffset?>(null, DateTimeOffset.UnixEpoch, new DateTimeOffset(1, 1, 1, 14, 0, 0, TimeSpan.FromHours(14))));

    private Collections Collections(int bigListLength) => new()
    {
        Array = Enumerable.Range(0, Pick(4)).Select(_ => _random.Next()).ToArray(),
        List = bigListLength > 0 ? Enumerable.Range(0, bigListLength).Select(i => i % 7 == 0 ? null : "item " + i).ToList() : [String(), null],
        ReadOnlyList = Enumerable.Range(0, Pick(3)).Select(_ => Guid.NewGuid()).ToArray(),
        IList = [long.MinValue, long.MaxValue],
        ICollection = new HashSet<int> { 1, 2 },
        Enumerable = new[] { "a", "b" },
        ReadOnlyCollection = [double.NaN],
        Set = [String()!, "other"],
        Dictionary = new() { [String() ?? "none"] = 1, ["k"] = 2 },
        ReadOnlyDictionary = new Dictionary<int, string?> { [1] = null, [2] = "two" },
        ImmutableArray = [1, 2, 3],
        ImmutableList = ["x"],
        ImmutableHashSet = [5, 6],
        ImmutableSortedSet = [9, 1],
        ImmutableDictionary = ImmutableDictionary<string, int>.Empty.Add("a", 1),
        ImmutableSortedDictionary = ImmutableSortedDictionary<int, string>.Empty.Add(3, "c"),
        FrozenSet = new[] { "f" }.ToFrozenSet(),
        FrozenDictionary = new Dictionary<string, int> { ["g"] = 7 }.ToFrozenDictionary(),
        Nested = [[], [1, 2]],
        Jagged = [[], [3]],
        ByLevel = new() { [Level.Mid] = [Device()] },
    };

    private RackDevice Device() => Pick(4) switch
    {
        0 => new RackDevice { Name = String()! },
        1 => new RackServer { Name = "s", Cores = _random.Next() },
        2 => new BladeServer { Name = "b", Cores = 2, Blades = 16 },
        _ => new RackSwitch { Name = "w", Ports = 48, Uplinks = [String()!] },
    };

    private TreeNode Tree(int depth) => new()
    {
        Value = _random.Next(),
        Left = depth == 0 || Pick(2) == 0 ? null : Tree(depth - 1),
        Children = depth == 0 ? [] : Enumerable.Range(0, Pick(3)).Select(_ => Tree(depth - 1)).ToList(),
    };

    private PointStruct Point() => new() { X = _random.Next(), Y = Double(), Label = String() };

    private double Double() => Pick(2) == 0 ? s_doubles[Pick(s_doubles.Length)] : _random.NextDouble() * 1e300;

    private decimal Decimal() => Choose(decimal.MinValue, decimal.MaxValue, 1.10m, -0.0000000000000000000000000001m, 0m);

    private string? String() => Pick(6) == 0 ? null : s_strings[Pick(s_strings.Length)];

    private int Pick(int n) => _random.Next(n);

    private T Choose<T>(params T[] options) => options[Pick(options.Length)];
}
