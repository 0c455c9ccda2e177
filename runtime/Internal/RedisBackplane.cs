using System.Globalization;
using CacheGen.Stores;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheGen.Internal;

/// <summary>
/// The L1 backplane: Redis pub/sub on one channel per key prefix (<c>{prefix}:%l1</c>). Every invalidation a process
/// applies to Redis is published there before the invalidation returns (key, namespace, tag, clear); every process
/// subscribed bumps the matching <see cref="L1Cache"/> version, so its copy is never served again.
/// <para>
/// Pub/sub delivers at most once, so L1 is served only while the process knows it hears everything: it sends itself a
/// ping on the channel every <see cref="CacheGenL1Options.BackplanePingMs"/>. <see cref="IsSynced"/> holds from the
/// first ping that came back after the subscription was (re)made until the subscription connection fails or the
/// newest ping that came back was sent more than three intervals ago. Each time it starts to hold again, everything
/// L1 held is dropped first: any invalidation lost meanwhile cannot leave a stale entry, and entries are refilled by
/// reads that see Redis's stamps.
/// </para>
/// <para>
/// The window is bounded: Redis delivers one channel's messages to a subscriber in the order it ran the
/// <c>PUBLISH</c>es, and the messages are handled one at a time in that order (a <see cref="ChannelMessageQueue"/>).
/// A ping sent after an invalidation returned therefore comes back only after that invalidation was handled, so a
/// read that starts more than the lease (3 × the ping interval) after an invalidation returned never sees the old
/// value, however slow delivery is. Typically the window is the delivery time, a few milliseconds.
/// </para>
/// </summary>
internal sealed partial class RedisBackplane : IDisposable
{
    private const char KeyKind = 'k';
    private const char NamespaceKind = 'n';
    private const char TagKind = 't';
    private const char ClearKind = 'c';
    private const char PingKind = 'p';

    /// <summary>The sender of the messages processes without L1 publish: no process has it as its own.</summary>
    private const string NoL1Sender = "-";

    private readonly RedisCacheStore _store;
    private readonly L1Cache _l1;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisChannel _channel;
    private readonly string _sender = Guid.NewGuid().ToString("N");
    /// <summary>
    /// The lease, in the unit of <see cref="Now"/>. On the real clock (milliseconds of <see cref="Environment.TickCount64"/>,
    /// which advances in steps of up to <see cref="CoarseClockStepMs"/>) it is shortened by one step, so that a hit
    /// checked on that coarse clock is never served later than the lease after the ping was sent in real time.
    /// </summary>
    private readonly long _lease;

    /// <summary>Whether <see cref="_time"/> is the real clock: then <see cref="Now"/> is <see cref="Environment.TickCount64"/> (a hit's one clock read, shared with L1's expiry).</summary>
    private readonly bool _realClock;
    private readonly ITimer _pingTimer;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _multiplexer;
    private ChannelMessageQueue? _queue;
    private EventHandler<ConnectionFailedEventArgs>? _onFailed;
    private volatile bool _synced;
    private long _lastPongSentAt;

    /// <summary>
    /// While in sync, when the lease of the newest ping that came back ends (<see cref="_lastPongSentAt"/> + <see cref="_lease"/>,
    /// in <see cref="Now"/>'s unit); <see cref="long.MinValue"/> while not. The one field a hit reads.
    /// </summary>
    private long _servedUntil = long.MinValue;
    private long _sentSeq;
    private long _floorSeq = 1;
    private long _subscribedAt;
    private int _subscribing;
    private bool _subscribed;
    private int _disposed;

    public RedisBackplane(RedisCacheStore store, string prefix, L1Cache l1, int pingMs, TimeProvider time, ILogger logger)
    {
        _store = store;
        _l1 = l1;
        _time = time;
        _logger = logger;
        _channel = ChannelOf(prefix);
        _realClock = ReferenceEquals(time, TimeProvider.System);
        _lease = _realClock ? Math.Max(0, (3L * pingMs) - CoarseClockStepMs) : (long)(3 * pingMs / 1000.0 * time.TimestampFrequency);
        _pingTimer = time.CreateTimer(static s => ((RedisBackplane)s!).Tick(), this, TimeSpan.Zero, TimeSpan.FromMilliseconds(pingMs));
    }

    /// <summary>
    /// The largest step of <see cref="Environment.TickCount64"/>: <c>CLOCK_MONOTONIC_COARSE</c> on Linux advances once per
    /// kernel tick (1–10 ms), <c>GetTickCount64</c> on Windows every 15.6 ms.
    /// </summary>
    internal const long CoarseClockStepMs = 16;

    /// <summary>Gets the channel's name (for tests and operators).</summary>
    public string Channel => _channel.ToString();

    /// <summary>
    /// Gets whether every invalidation published since the last resynchronisation has reached this process: the
    /// subscription is up and a ping came back within the lease. While false, L1 must not be served or filled.
    /// </summary>
    public bool IsSynced => IsSyncedAt(Now());

    /// <summary>
    /// As <see cref="IsSynced"/> at <paramref name="now"/>, read from <see cref="Now"/>'s clock by the caller just before
    /// (an L1 hit reads the clock once, for this and for the entry's expiry). The caller must read the L1 versions
    /// after this returns true: a ping that came back was handled after every message published before it.
    /// </summary>
    public bool IsSyncedAt(long now)
    {
        if (now <= Volatile.Read(ref _servedUntil))
        {
            return true;
        }

        if (_synced)
        {
            MarkDown("no ping sent within the lease came back");
        }

        return false;
    }

    /// <summary>Now, in the lease's unit: the clock <see cref="L1Cache.Now"/> reads (milliseconds on the real clock, else the test clock's timestamps).</summary>
    public long Now() => _realClock ? Environment.TickCount64 : _time.GetTimestamp();

    /// <summary>Publishes an invalidation this process has just applied to Redis; throws when it cannot (the caller queues the invalidation for replay).</summary>
    public async ValueTask PublishAsync(InvalidationKind kind, string target, CancellationToken cancellationToken)
    {
        await PublishAsync(CodeOf(kind), target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes that every entry under the prefix may have changed (a clear or pattern delete).</summary>
    public ValueTask PublishClearAsync(CancellationToken cancellationToken) => PublishAsync(ClearKind, string.Empty, cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _synced = false;
        Volatile.Write(ref _servedUntil, long.MinValue);
        _pingTimer.Dispose();
        _stopping.Cancel();
        lock (_lock)
        {
            if (_multiplexer is { } multiplexer)
            {
                multiplexer.ConnectionFailed -= _onFailed;
                try
                {
                    // the multiplexer may be the application's (UseConnection): remove only our own subscription
                    _queue?.Unsubscribe(CommandFlags.FireAndForget);
                }
                catch (Exception e) when (e is RedisException or ObjectDisposedException or InvalidOperationException)
                {
                    // the connection is closing anyway
                }
            }
        }

        _stopping.Dispose();
    }

    private async ValueTask PublishAsync(char code, string target, CancellationToken cancellationToken)
    {
        var multiplexer = _multiplexer ?? await _store.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        await PublishAsync(multiplexer, _channel, code, _sender, target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The channel of a key prefix's backplane.</summary>
    internal static RedisChannel ChannelOf(string prefix) => RedisChannel.Literal(prefix + ":%l1");

    /// <summary>
    /// Publishes an invalidation that a process without L1 has just applied to Redis (<c>L1:Enabled=false</c>): it
    /// keeps no copies, but the processes that do must hear it. Throws when it cannot (the caller queues the
    /// invalidation for replay), as <see cref="PublishAsync(InvalidationKind, string, CancellationToken)"/> does.
    /// </summary>
    internal static async ValueTask PublishWithoutL1Async(RedisCacheStore store, string prefix, InvalidationKind kind, string target, CancellationToken cancellationToken)
    {
        var multiplexer = await store.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        await PublishAsync(multiplexer, ChannelOf(prefix), CodeOf(kind), NoL1Sender, target, cancellationToken).ConfigureAwait(false);
    }

    private static char CodeOf(InvalidationKind kind) => kind switch
    {
        InvalidationKind.Key => KeyKind,
        InvalidationKind.Namespace => NamespaceKind,
        InvalidationKind.Tag => TagKind,
        _ => ClearKind,
    };

    private static Task PublishAsync(IConnectionMultiplexer multiplexer, RedisChannel channel, char code, string sender, string target, CancellationToken cancellationToken)
    {
        string message = code + "|" + sender + "|" + target;
        return multiplexer.GetSubscriber().PublishAsync(channel, message).WaitAsync(cancellationToken);
    }

    /// <summary>Every ping interval: subscribe if not subscribed, then send a ping.</summary>
    private void Tick()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        if (!Volatile.Read(ref _subscribed))
        {
            if (Interlocked.Exchange(ref _subscribing, 1) == 0)
            {
                _ = SubscribeAsync();
            }

            return;
        }

        // pings go out but none has come back for two leases: the subscription is gone though the connection is not
        // (StackExchange.Redis re-subscribes after a reconnect, but not again when that attempt was refused, e.g. by
        // an ACL that denied SUBSCRIBE for a while). Waiting would bypass L1 for good: the subscription is remade
        long heard = Math.Max(Volatile.Read(ref _lastPongSentAt), Volatile.Read(ref _subscribedAt));
        if (Now() - heard > 2 * _lease)
        {
            Resubscribe();
            return;
        }

        _ = PingAsync();
    }

    private void Resubscribe()
    {
        MarkDown("no ping came back for two leases; the subscription is made again");
        ChannelMessageQueue? queue;
        lock (_lock)
        {
            queue = _queue;
            _queue = null;
            Volatile.Write(ref _subscribed, false);
        }

        BackplaneResubscribing(_logger);
        try
        {
            queue?.Unsubscribe(CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // the old subscription is gone with its connection
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            var multiplexer = await _store.GetConnectionAsync(_stopping.Token).ConfigureAwait(false);
            lock (_lock)
            {
                if (_multiplexer is null && Volatile.Read(ref _disposed) == 0)
                {
                    _multiplexer = multiplexer;
                    _onFailed = (_, e) =>
                    {
                        if (e.ConnectionType == ConnectionType.Subscription)
                        {
                            MarkDown("the subscription connection failed: " + e.FailureType);
                        }
                    };
                    multiplexer.ConnectionFailed += _onFailed;
                }
            }

            // a queue: its messages are handled one at a time, in the order Redis ran the PUBLISHes (see the window)
            var queue = await multiplexer.GetSubscriber().SubscribeAsync(_channel).WaitAsync(TimeSpan.FromSeconds(5), _stopping.Token).ConfigureAwait(false);
            queue.OnMessage(m => OnMessage(m.Message));
            _queue = queue;
            Volatile.Write(ref _subscribedAt, Now());
            Volatile.Write(ref _subscribed, true);
            await PingAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // retried at the next tick; L1 stays bypassed meanwhile
            if (Volatile.Read(ref _disposed) == 0)
            {
                BackplaneSubscribeFailed(_logger, e.GetType().Name);
            }
        }
        finally
        {
            Volatile.Write(ref _subscribing, 0);
        }
    }

    private async Task PingAsync()
    {
        try
        {
            long seq = Interlocked.Increment(ref _sentSeq);
            string sentAt = Now().ToString(CultureInfo.InvariantCulture);
            await PublishAsync(PingKind, seq.ToString(CultureInfo.InvariantCulture) + ":" + sentAt, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // a ping that does not go out does not come back: the lease runs out
        }
    }

    private void OnMessage(RedisValue value)
    {
        string? message = value;
        if (message is null || message.Length < 3 || message[1] != '|')
        {
            return;
        }

        int second = message.IndexOf('|', 2);
        if (second < 0)
        {
            return;
        }

        bool own = second - 2 == _sender.Length && string.CompareOrdinal(message, 2, _sender, 0, _sender.Length) == 0;
        string target = message.Substring(second + 1);
        switch (message[0])
        {
            case PingKind when own && target.IndexOf(':') is int colon and > 0
                && long.TryParse(target.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out long seq)
                && long.TryParse(target.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long sentAt):
                OnPong(seq, sentAt);
                break;
            case KeyKind when !own:
                _l1.InvalidateKey(target);
                break;
            case NamespaceKind when !own:
                _l1.InvalidateNamespace(target);
                break;
            case TagKind when !own:
                _l1.InvalidateTag(target);
                break;
            case ClearKind when !own:
                _l1.InvalidateAll();
                break;
        }
    }

    private void OnPong(long seq, long sentAt)
    {
        lock (_lock)
        {
            // every message published before this ping has been handled (one channel, handled in order)
            if (sentAt > Volatile.Read(ref _lastPongSentAt))
            {
                Volatile.Write(ref _lastPongSentAt, sentAt);
            }

            if (!_synced && seq >= _floorSeq)
            {
                // this ping was sent after the last failure and came back: the subscription hears everything from
                // before it was sent. What L1 held may have missed a message: drop it all, then serve again
                _l1.InvalidateAll();
                _synced = true;
                BackplaneSynced(_logger);
            }

            if (_synced)
            {
                // written last: a hit that sees it current sees every version bump handled before this ping
                Volatile.Write(ref _servedUntil, Volatile.Read(ref _lastPongSentAt) + _lease);
            }
        }
    }

    private void MarkDown(string reason)
    {
        lock (_lock)
        {
            // only a ping sent from now on proves the subscription again
            _floorSeq = Interlocked.Read(ref _sentSeq) + 1;
            Volatile.Write(ref _servedUntil, long.MinValue);
            if (_synced)
            {
                _synced = false;
                BackplaneLost(_logger, reason);
            }
        }
    }

    [LoggerMessage(EventId = 110, EventName = "BackplaneSynced", Level = LogLevel.Information, Message = "The L1 backplane is subscribed and in sync: the in-process level serves hits")]
    private static partial void BackplaneSynced(ILogger logger);

    [LoggerMessage(EventId = 111, EventName = "BackplaneLost", Level = LogLevel.Warning, Message = "The L1 backplane may have missed invalidations ({Reason}): the in-process level is bypassed until it is in sync again")]
    private static partial void BackplaneLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 113, EventName = "BackplaneResubscribing", Level = LogLevel.Warning, Message = "The L1 backplane heard none of its pings for two leases although it is subscribed: subscribing again")]
    private static partial void BackplaneResubscribing(ILogger logger);

    [LoggerMessage(EventId = 112, EventName = "BackplaneSubscribeFailed", Level = LogLevel.Debug, Message = "The L1 backplane could not subscribe ({ErrorType}); retrying")]
    private static partial void BackplaneSubscribeFailed(ILogger logger, string errorType);
}
