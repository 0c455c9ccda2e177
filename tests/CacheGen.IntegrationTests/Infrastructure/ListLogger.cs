using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>An in-memory <see cref="ILogger{CacheClient}"/> that keeps every entry, for asserting what reaches the logs.</summary>
internal sealed class ListLogger : ILogger<CacheClient>
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception), exception));
}
