using Microsoft.Extensions.Logging;

namespace CacheGen.Internal;

/// <summary>Value events (ids 80-89 are reserved for values).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 80, EventName = "ValueNotWritable", Level = LogLevel.Warning, Message = "Values of '{Method}' cannot be stored exactly ({Reason}); they are returned but this method stops writing to the cache until the process restarts")]
    public static partial void ValueNotWritable(ILogger logger, string method, string reason);
}
