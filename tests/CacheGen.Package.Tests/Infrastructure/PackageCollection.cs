namespace CacheGen.Package.Tests.Infrastructure;

/// <summary>One packed package for every test here (packing takes seconds); the tests only read it.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackedPackage>
{
    public const string Name = "package";
}
