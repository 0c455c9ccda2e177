namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>How an injected fault reaches the caller (after HybridCache's <c>BreakType</c>).</summary>
public enum BreakType
{
    /// <summary>The store method throws before returning a task.</summary>
    Synchronous,

    /// <summary>The store method returns a faulted task.</summary>
    Asynchronous,

    /// <summary>The store method yields, then faults.</summary>
    AsynchronousYield,
}
