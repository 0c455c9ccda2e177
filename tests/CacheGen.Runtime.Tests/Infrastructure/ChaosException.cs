namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>The exception a <see cref="ChaosCacheStore"/> throws unless told otherwise.</summary>
public sealed class ChaosException() : Exception("injected store fault");
