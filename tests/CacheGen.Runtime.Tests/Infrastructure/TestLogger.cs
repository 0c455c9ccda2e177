using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>An <see cref="ILogger"/> that keeps every line, at every level, in memory.</summary>
public class TestLogger : ILogger
{
    private readonly ConcurrentQueue<LogEntry> _sink;

    /// <summary>Creates a logger with its own sink.</summary>
    public TestLogger()
        : this(string.Empty, new ConcurrentQueue<LogEntry>())
    {
    }

    internal TestLogger(string category, ConcurrentQueue<LogEntry> sink)
    {
        Category = category;
        _sink = sink;
    }

    /// <summary>Gets the category.</summary>
    public string Category { get; }

    /// <summary>Gets the captured lines, oldest first.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _sink];

    /// <summary>Gets the event ids captured, oldest first.</summary>
    public IReadOnlyList<int> EventIds => [.. _sink.Select(e => e.EventId.Id)];

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _sink.Enqueue(new LogEntry(Category, logLevel, eventId, formatter(state, exception), exception));
}
