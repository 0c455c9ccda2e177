namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="ChaosProxy"/> does to the bytes it carries.</summary>
public enum ChaosMode
{
    /// <summary>Forwards bytes unchanged.</summary>
    Pass,

    /// <summary>Holds each chunk for <see cref="ChaosProxy.DelayMs"/> in each direction: the round trip grows by twice that.</summary>
    Delay,

    /// <summary>Keeps connections open and drops every byte: the peer waits for a reply that never comes.</summary>
    Blackhole,

    /// <summary>Resets open connections and every new one with a TCP RST.</summary>
    Reset,
}
