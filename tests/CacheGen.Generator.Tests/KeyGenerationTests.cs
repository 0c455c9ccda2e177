using System.Text.RegularExpressions;
using CacheGen.Generator.Tests.Infrastructure;

namespace CacheGen.Generator.Tests;

/// <summary>The key code the generator writes for the shapes of issue 8 (inline facts; the snapshots hold whole files).</summary>
public sealed class KeyGenerationTests
{
    private const string Header = """
        using System;
        using System.Threading.Tasks;
        using CacheGen;

        namespace Demo;

        public sealed record Item(int Id);

        """;

    [Fact]
    public void GenericClass_CachedAndInvalidationKeys_CarryTheSameTypeIdentity()
    {
        var sources = GeneratorHarness.Run(Header + """
            public sealed partial class Repo<T>(ICacheClient cache)
            {
                [Cached("lookup", 60, Key = "item:{id}")]
                public partial Task<Item> GetAsync(int id);
                private Task<Item> GetAsyncCore(int id) => Task.FromResult(new Item(id));

                [InvalidatesCache("lookup", Key = "item:{id}")]
                public partial Task DeleteAsync(int id);
                private Task DeleteAsyncCore(int id) => Task.CompletedTask;
            }
            """);

        string cached = sources["Demo.Repo_T.GetAsync.g.cs"];
        string invalidating = sources["Demo.Repo_T.DeleteAsync.g.cs"];
        Assert.Contains("""var __keyBuilder = new global::CacheGen.CacheKeyBuilder("item");""" + "\n" + "            __keyBuilder.Add(typeof(T).FullName);", cached.Replace("\r\n", "\n"), StringComparison.Ordinal);
        Assert.Contains("""var __invKey0Builder = new global::CacheGen.CacheKeyBuilder("item");""" + "\n" + "            __invKey0Builder.Add(typeof(T).FullName);", invalidating.Replace("\r\n", "\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void EnumKeyParts_AreWrittenByName()
    {
        var sources = GeneratorHarness.Run(Header + """
            public enum Kind { Compute, Storage }
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("kinds", 60)]
                public partial Task<Item> GetAsync(Kind kind, Kind? maybe);
                private Task<Item> GetAsyncCore(Kind kind, Kind? maybe) => Task.FromResult(new Item(1));
            }
            """);

        string code = sources["Demo.Svc.GetAsync.g.cs"];
        Assert.Contains("__keyBuilder.AddEnum(kind);", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.AddEnum(__v0);", code, StringComparison.Ordinal);
        Assert.DoesNotContain("(int)", code, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Compute, Storage", "Compute, Network, Storage")]
    [InlineData("Compute, Storage", "Compute = 1, Storage = 0")]
    [InlineData("Compute, Storage", "Compute, Storaje")]
    public void EnumChange_InAKeyParameter_ChangesTheFingerprint(string before, string after)
    {
        string Fingerprint(string members) => FingerprintOf(GeneratorHarness.Run(Header + "public enum Kind { " + members + " }\n" + """
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("kinds", 60, Key = "k:{kind}")]
                public partial Task<Item> GetAsync(Kind kind);
                private Task<Item> GetAsyncCore(Kind kind) => Task.FromResult(new Item(1));
            }
            """)["Demo.Svc.GetAsync.g.cs"]);

        Assert.NotEqual(Fingerprint(before), Fingerprint(after));
        Assert.Equal(Fingerprint(before), Fingerprint(before));
    }

    [Fact]
    public void KeyParameterTypeChange_ChangesTheFingerprint()
    {
        string Fingerprint(string type) => FingerprintOf(GeneratorHarness.Run(Header + $$"""
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "i:{id}")]
                public partial Task<Item> GetAsync({{type}} id);
                private Task<Item> GetAsyncCore({{type}} id) => Task.FromResult(new Item(1));
            }
            """)["Demo.Svc.GetAsync.g.cs"]);

        Assert.NotEqual(Fingerprint("int"), Fingerprint("string"));
    }

    [Fact]
    public void MemberPath_TestsEachReferenceHop_AndWritesNullOnThePathApart()
    {
        var sources = GeneratorHarness.Run(Header + """
            public sealed record Vendor(string? Name);
            public sealed record Filter(Vendor? Vendor);
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "v:{filter.Vendor.Name}")]
                public partial Task<Item> FindAsync(Filter? filter);
                private Task<Item> FindAsyncCore(Filter? filter) => Task.FromResult(new Item(1));
            }
            """);

        string code = sources["Demo.Svc.FindAsync.g.cs"];
        Assert.Contains("var __p0 = filter;", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.AddNullOnPath(0);", code, StringComparison.Ordinal);
        Assert.Contains("var __p1 = __p0.Vendor;", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.AddNullOnPath(1);", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.Add(__p1.Name);", code, StringComparison.Ordinal);
    }

    [Fact]
    public void FormattableRecordsAndStructs_AreKeyedMemberByMember()
    {
        var sources = GeneratorHarness.Run(Header + """
            public sealed record Price(decimal Amount, string Currency) : IFormattable
            {
                public string ToString(string? format, IFormatProvider? provider) => Amount.ToString("N2");
            }
            public readonly record struct Sku(int Code) : IFormattable
            {
                public string ToString(string? format, IFormatProvider? provider) => Code.ToString("N0");
            }
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> QuoteAsync(Price price, Sku sku);
                private Task<Item> QuoteAsyncCore(Price price, Sku sku) => Task.FromResult(new Item(1));
            }
            """);

        string code = sources["Demo.Svc.QuoteAsync.g.cs"];
        Assert.DoesNotContain("AddFormattable", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.Add(__v0.Amount);", code, StringComparison.Ordinal);
        Assert.Contains("__keyBuilder.Add(sku.Code);", code, StringComparison.Ordinal);
    }

    [Fact]
    public void DateTimeOffsetKeyParts_UseTheOverloadThatKeepsTheOffset()
    {
        var sources = GeneratorHarness.Run(Header + """
            public sealed partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> AtAsync(DateTimeOffset at);
                private Task<Item> AtAsyncCore(DateTimeOffset at) => Task.FromResult(new Item(1));
            }
            """);

        Assert.Contains("__keyBuilder.Add(at);", sources["Demo.Svc.AtAsync.g.cs"], StringComparison.Ordinal);
    }

    private static string FingerprintOf(string code) =>
        Regex.Match(code, "\"([0-9a-f]{16})\"").Groups[1].Value is { Length: 16 } hash ? hash : throw new InvalidOperationException("no fingerprint in:\n" + code);
}
