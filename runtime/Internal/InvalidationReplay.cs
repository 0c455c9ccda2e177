using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CacheGen.Internal;

/// <summary>
/// Sends again what the store did not take or may have lost: the queue of <see cref="PendingInvalidations"/> on a timer
/// (one replay at a time), the journal's recent invalidations when the store reports a server change (a restart from an
/// older snapshot, a failover), and a bounded flush when the client is disposed (docs/design.md S27).
/// </summary>
internal sealed class InvalidationReplay : IDisposable
{
    private readonly PendingInvalidations _pending;
    private readonly InvalidationJournal _journal;
    private readonly Func<Invalidation, ValueTask<bool>> _apply;
    private readonly IStoreConnection? _connection;
    private readonly CacheGenOptions _options;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _replaying;

    /// <summary>Starts the replay timer and listens for server changes of <paramref name="connection"/>.</summary>
    /// <param name="pending">The queue of invalidations the store has not taken.</param>
    /// <param name="journal">The recent invalidations, queued again on a server change.</param>
    /// <param name="apply">Sends one invalidation to the store (through the store accessor); <see langword="false"/> when it did not reach it.</param>
    /// <param name="connection">The store's connection events, when it has them.</param>
    /// <param name="options">The client's options.</param>
    /// <param name="logger">The client's logger.</param>
    /// <param name="time">The client's clock (the replay timer).</param>
    public InvalidationReplay(PendingInvalidations pending, InvalidationJournal journal, Func<Invalidation, ValueTask<bool>> apply, IStoreConnection? connection, CacheGenOptions options, ILogger logger, TimeProvider time)
    {
        _pending = pending;
        _journal = journal;
        _apply = apply;
        _connection = connection;
        _options = options;
        _logger = logger;
        if (_connection is not null)
        {
            _connection.ServerChanged += OnServerChanged;
        }

        var interval = TimeSpan.FromMilliseconds(CacheGenDefaults.ReplayIntervalMs);
        _timer = time.CreateTimer(static s => ((InvalidationReplay)s!).ReplayPending(), this, interval, interval);
    }

    /// <summary>Stops the timer and the server-change replay (the dispose flush still runs).</summary>
    public void Dispose()
    {
        _timer.Dispose();
        if (_connection is not null)
        {
            _connection.ServerChanged -= OnServerChanged;
        }
    }

    /// <summary>Starts a replay of the queue unless one is running or the queue is empty.</summary>
    public void ReplayPending()
    {
        if (_pending.Count == 0 || Interlocked.Exchange(ref _replaying, 1) == 1)
        {
            return;
        }

        _ = ReplayPendingAsync();
    }

    /// <summary>
    /// Sends what is still queued before the client goes away, for at most <see cref="CacheGenOptions.DisposeFlushTimeoutMs"/>,
    /// and logs what could not be sent: those entries may be read stale by other processes until their TTL ends.
    /// </summary>
    public void FlushOnDispose()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var bound = TimeSpan.FromMilliseconds(_options.DisposeFlushTimeoutMs);
        var watch = Stopwatch.StartNew();
        var flush = Task.Run(async () =>
        {
            while (Volatile.Read(ref _replaying) == 1 && watch.Elapsed < bound)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }

            foreach (var entry in _pending.Snapshot())
            {
                if (watch.Elapsed >= bound || !await _apply(entry.Invalidation).ConfigureAwait(false))
                {
                    return;
                }

                _pending.Remove(entry);
            }
        });
        try
        {
            flush.Wait(bound + TimeSpan.FromMilliseconds(_options.OperationTimeoutMs));
        }
        catch (AggregateException)
        {
            // logged below with what is left
        }

        var left = _pending.Snapshot();
        if (left.Length == 0)
        {
            return;
        }

        string scopes = string.Join(", ", left.Select(e => e.Invalidation.Scope).Distinct(StringComparer.Ordinal).Take(10));
        Log.InvalidationsNotFlushed(_logger, left.Length, (long)watch.Elapsed.TotalMilliseconds, scopes);
        foreach (var entry in left)
        {
            Log.InvalidationNotFlushedDetail(_logger, entry.Invalidation.Kind.ToString(), entry.Invalidation.Target);
        }
    }

    /// <summary>
    /// The store may be writing to a server that lost recent writes (a restart from an older snapshot, a failover):
    /// every invalidation still relevant is queued again, so reads they cover bypass the store until each is resent.
    /// </summary>
    private void OnServerChanged(string reason)
    {
        var recent = _journal.Recent();
        foreach (var invalidation in recent)
        {
            _pending.Add(invalidation);
        }

        Log.ServerChanged(_logger, reason, recent.Length);
        ReplayPending();
    }

    /// <summary>
    /// Sends the queue, widest first: the first entry alone, then the rest in waves of <see cref="CacheGenDefaults.ReplayConcurrency"/>
    /// (the store pipelines them), until a wave in which one was not taken. Each entry leaves the queue when it was sent. A store that
    /// is down when a replay starts costs one failure, not a wave of them.
    /// </summary>
    private async Task ReplayPendingAsync()
    {
        try
        {
            var entries = _pending.Snapshot();
            int replayed = 0;
            bool failed = false;
            int next = 0;
            while (next < entries.Length && !failed)
            {
                int wave = next == 0 ? 1 : Math.Min(CacheGenDefaults.ReplayConcurrency, entries.Length - next);
                var sends = new Task<bool>[wave];
                for (int i = 0; i < wave; i++)
                {
                    sends[i] = SendAsync(entries[next + i]);
                }

                next += wave;
                foreach (bool sent in await Task.WhenAll(sends).ConfigureAwait(false))
                {
                    if (sent)
                    {
                        replayed++;
                    }
                    else
                    {
                        failed = true;
                    }
                }
            }

            if (replayed > 0)
            {
                Log.InvalidationsReplayed(_logger, replayed);
            }
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
        }
    }

    /// <summary>Sends one queued invalidation; it leaves the queue if it was taken (only this entry: an invalidation of the same target queued while it was on the wire stays queued).</summary>
    private async Task<bool> SendAsync(PendingInvalidations.Entry entry)
    {
        if (!await _apply(entry.Invalidation).ConfigureAwait(false))
        {
            return false;
        }

        _pending.Remove(entry);
        return true;
    }
}
