namespace CacheGen;

/// <summary>How a cached call was served, as recorded in a <see cref="CacheOutcomeScope"/>.</summary>
public enum CacheCallResult
{
    /// <summary>The value came from the store; the implementation did not run.</summary>
    Hit,

    /// <summary>The store had no usable entry (absent, expired, invalidated, another schema); the implementation ran.</summary>
    Miss,

    /// <summary>The store failed (timeout, connection, open circuit, corrupt entry); the implementation ran and its value was returned.</summary>
    Error,

    /// <summary>
    /// The call joined a concurrent call for the same key in this process and received that call's value without
    /// reading the store itself (single-flight). The call it joined records its own result.
    /// </summary>
    Coalesced,
}
