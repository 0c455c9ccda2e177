namespace CacheGen;

/// <summary>
/// An operator command of <see cref="ICacheAdmin"/> did not complete. Keys deleted before the failure stay deleted;
/// the command can be run again. The message never holds a key or a pattern (they may hold user data).
/// </summary>
public sealed class CacheAdminException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorType">Why: <c>timeout</c>, <c>connection</c>, <c>server_error</c>, <c>circuit_open</c>, <c>read_only</c>, <c>unavailable</c> or <c>store</c>.</param>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The store's exception, if any.</param>
    public CacheAdminException(string errorType, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorType = errorType;
    }

    /// <summary>Gets why the command failed, as in the <c>error.type</c> metric tag.</summary>
    public string ErrorType { get; }
}
