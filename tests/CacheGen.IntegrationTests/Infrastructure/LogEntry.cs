using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>One captured log entry.</summary>
internal sealed record LogEntry(LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    /// <summary>Gets the message and the whole exception (messages, inner exceptions and stack), as a sink would write them.</summary>
    public string FullText => Message + "\n" + Exception;
}
