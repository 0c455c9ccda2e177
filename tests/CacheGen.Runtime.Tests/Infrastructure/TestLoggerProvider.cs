using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>An <see cref="ILoggerProvider"/> whose loggers share one sink, for tests through dependency injection.</summary>
public sealed class TestLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _sink = new();

    /// <summary>Gets every captured line, oldest first.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _sink];

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new TestLogger(categoryName, _sink);

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
