using System.Collections.Concurrent;
using CacheGen.Internal;

namespace CacheGen;

/// <summary>Values: the generated formatter of each method, its failures, and copies for callers who share a miss.</summary>
public sealed partial class CacheClient
{
    /// <summary>Methods whose values failed to serialize or to read back: they stop writing until the process restarts (a new fingerprint is a new build).</summary>
    private readonly ConcurrentDictionary<CachedMethod, string> _unwritable = new(ReferenceEqualityComparer.Instance);

    /// <summary>Methods that failed to deserialize a stored payload: their next write checks that its own bytes read back.</summary>
    private readonly ConcurrentDictionary<CachedMethod, byte> _verifyNextWrite = new(ReferenceEqualityComparer.Instance);

    /// <summary>Serializes a value to store, or returns null (counted, logged once per method) when it cannot be stored exactly.</summary>
    private byte[]? SerializeValue<T>(CachedMethod method, T value)
    {
        if (_unwritable.ContainsKey(method))
        {
            return null;
        }

        try
        {
            if (method is not CachedMethod<T> typed)
            {
                return _serializer.Serialize(value);
            }

            byte[] payload = typed.Serialize(value);
            if (_verifyNextWrite.TryRemove(method, out _))
            {
                // a stored payload of this method did not read back: if our own bytes do not either, the formatter is at fault
                _ = typed.Deserialize(payload);
            }

            return payload;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _errors);
            _metrics.Error(StoreErrorType.Serialization, StoreOperation.Write, method.Namespace);
            if (_unwritable.TryAdd(method, e.Message))
            {
                Log.ValueNotWritable(_logger, method.ToString(), Reason(e));
            }

            return null;
        }
    }

    /// <summary>Reads a stored payload with the method's formatter (or the configured serializer for a hand-built descriptor).</summary>
    private T DeserializeValue<T>(CachedMethod method, ReadOnlyMemory<byte> payload)
    {
        if (method is not CachedMethod<T> typed)
        {
            return _serializer.Deserialize<T>(payload.Span);
        }

        try
        {
            return typed.Deserialize(payload);
        }
        catch
        {
            _verifyNextWrite.TryAdd(method, 0);
            throw;
        }
    }

    /// <summary>
    /// What a caller who joined another caller's miss gets: its own copy, as a hit would give it, unless the
    /// generator proved the type deeply immutable. A value that cannot be copied is shared (and never stored).
    /// </summary>
    private T CopyForJoiner<T>(CachedMethod method, T value)
    {
        if (method is not CachedMethod<T> { IsDeeplyImmutable: false } typed || value is null || _unwritable.ContainsKey(method))
        {
            return value;
        }

        try
        {
            return typed.Deserialize(typed.Serialize(value));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _errors);
            _metrics.Error(StoreErrorType.Serialization, StoreOperation.Write, method.Namespace);
            if (_unwritable.TryAdd(method, e.Message))
            {
                Log.ValueNotWritable(_logger, method.ToString(), Reason(e));
            }

            return value;
        }
    }

    private static string Reason(Exception e) => e.GetType().Name + ": " + (e.InnerException?.Message ?? e.Message);
}
