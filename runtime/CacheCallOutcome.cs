namespace CacheGen;

/// <summary>The outcome of one cached call, recorded in the <see cref="CacheOutcomeScope"/> that was current when it ran.</summary>
/// <param name="Namespace">The cache namespace of the method.</param>
/// <param name="Key">
/// The full store key (<c>{prefix}:{namespace}:{key}</c>). Keys are built from arguments and may hold user data:
/// show them only to whoever passed those arguments.
/// </param>
/// <param name="Result">How the call was served.</param>
/// <param name="TimeToLive">
/// On a <see cref="CacheCallResult.Hit"/>: how long the entry has left, counted from its write time and the TTL in
/// force now (a lower bound when <see cref="CacheGenOptions.TtlJitter"/> is set; an invalidation can end it sooner).
/// On a <see cref="CacheCallResult.Miss"/>: the TTL the write-back was sent with. <see langword="null"/> when nothing
/// was written (read-only, error, oversize value, an older read) or the result is <see cref="CacheCallResult.Coalesced"/>.
/// </param>
/// <param name="ErrorType">On <see cref="CacheCallResult.Error"/> (or a failed write-back): the error kind, as in the <c>error.type</c> metric tag.</param>
public sealed record CacheCallOutcome(string Namespace, string Key, CacheCallResult Result, TimeSpan? TimeToLive, string? ErrorType);
