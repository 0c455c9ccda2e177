using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>A typed <see cref="TestLogger"/>, for constructors that take <see cref="ILogger{TCategoryName}"/>.</summary>
public sealed class TestLogger<T> : TestLogger, ILogger<T>
{
    /// <summary>Creates a logger with its own sink.</summary>
    public TestLogger()
        : base(typeof(T).FullName!, new ConcurrentQueue<LogEntry>())
    {
    }
}
