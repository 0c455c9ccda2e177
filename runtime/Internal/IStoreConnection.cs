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

    /// <summary>
    /// Gets whether the store is checking who it talks to now (after a restored connection or a topology change) and has
    /// not answered yet: until it does, reads of recently invalidated entries bypass the store, since the server may have
    /// lost those invalidations.
    /// </summary>
    bool ServerCheckPending { get; }

    /// <summary>Raised when a connection is established or restored (first connect, reconnect after a drop).</summary>
    event Action? ConnectionRestored;

    /// <summary>
    /// Raised when the store may now be writing to a server that lost recent writes: a primary with a new run id (a
    /// restart, possibly from an older snapshot), a promoted replica, a demoted primary. The argument says which.
    /// </summary>
    event Action<string>? ServerChanged;
}
