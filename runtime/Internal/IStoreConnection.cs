namespace CacheGen.Internal;

/// <summary>
/// What a networked store tells the client about its connection, so the circuit recovers as soon as the store does
/// and a first connect is never mistaken for an outage. The Redis store implements it; a store without it is
/// probed on the breaker's schedule only.
/// </summary>
internal interface IStoreConnection
{
    /// <summary>Gets whether the store's first connect attempt is still under way (then a call is a miss that neither waits nor counts as a fault).</summary>
    bool FirstConnectPending { get; }

    /// <summary>Raised when a connection is established or restored (first connect, reconnect after a drop).</summary>
    event Action? ConnectionRestored;
}
