using Microsoft.Extensions.Logging;

namespace CacheGen.HitPath;

/// <summary>Prints CacheGen's warnings and errors (store faults, timeouts) into the benchmark's output.</summary>
internal sealed class WarningLog : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.WriteLine($"// {logLevel} {eventId.Name}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
        }
    }
}
