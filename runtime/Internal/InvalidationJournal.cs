namespace CacheGen.Internal;

/// <summary>
/// The invalidations this process made recently, kept so they can be sent again when the store may have lost them:
/// a restart from an older snapshot (a new run id), a failover on asynchronous replication (a promoted replica, a
/// demoted primary). docs/design.md S20, S25.
/// </summary>
/// <remarks>
/// <para>An invalidation matters only while an entry written before it can still be alive: it is kept for the longest
/// TTL of the entries it covers (<see cref="Record"/>'s <c>relevance</c>), then forgotten. A re-invalidation of the
/// same target moves it to the end and keeps the later expiry.</para>
/// <para>Bounded to <c>capacity</c> invalidations (<see cref="CacheGenOptions.InvalidationJournalSize"/>). When a
/// live one must make room, the oldest is not dropped but widened (a key to its namespace, a tag to the epoch) into a
/// small set that is replayed with the rest; past <see cref="PendingInvalidations.MaxWidened"/> namespaces, the epoch.
/// Memory: about <c>capacity × (2 × key length + 150)</c> bytes.</para>
/// </remarks>
internal sealed class InvalidationJournal
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Item> _order = new();
    private readonly Dictionary<string, LinkedListNode<Item>> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Item> _widened = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly TimeProvider _time;

    public InvalidationJournal(int capacity, TimeProvider time)
    {
        _capacity = capacity;
        _time = time;
    }

    /// <summary>Gets whether the journal keeps anything (a capacity of 0 turns it off).</summary>
    public bool Enabled => _capacity > 0;

    /// <summary>Gets the number of invalidations kept, widened ones included (expired ones may still be counted until the next <see cref="Recent"/>).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _order.Count + _widened.Count;
            }
        }
    }

    /// <summary>Gets how many invalidations were widened because the journal was full, since it started.</summary>
    public long WidenedTotal { get; private set; }

    /// <summary>Keeps <paramref name="invalidation"/> for <paramref name="relevance"/> from now.</summary>
    public void Record(Invalidation invalidation, TimeSpan relevance)
    {
        if (_capacity == 0)
        {
            return;
        }

        var expires = _time.GetUtcNow() + relevance;
        string id = invalidation.Id;
        lock (_gate)
        {
            if (_byId.Remove(id, out var existing))
            {
                _order.Remove(existing);
                if (existing.Value.Expires > expires)
                {
                    expires = existing.Value.Expires;
                }
            }

            _byId[id] = _order.AddLast(new Item(invalidation, expires));
            if (_order.Count > _capacity)
            {
                Evict();
            }
        }
    }

    /// <summary>The invalidations still relevant now (widened ones first), forgetting those that are not.</summary>
    public Invalidation[] Recent()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var recent = new List<Invalidation>(_order.Count + _widened.Count);
            foreach (var (id, item) in _widened.ToList())
            {
                if (item.Expires <= now)
                {
                    _widened.Remove(id);
                }
                else
                {
                    recent.Add(item.Invalidation);
                }
            }

            for (var node = _order.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Expires <= now)
                {
                    _order.Remove(node);
                    _byId.Remove(node.Value.Invalidation.Id);
                }
                else
                {
                    recent.Add(node.Value.Invalidation);
                }

                node = next;
            }

            return [.. recent];
        }
    }

    /// <summary>Whether an invalidation kept here covers the entry (<paramref name="fullKey"/> in <paramref name="namespace"/> with <paramref name="tags"/>).</summary>
    public bool Affects(string @namespace, string fullKey, string[]? tags)
    {
        lock (_gate)
        {
            if (_order.Count + _widened.Count == 0)
            {
                return false;
            }

            if (Contains(Invalidation.EpochId) || Contains(Invalidation.NamespaceId(@namespace)) || Contains(Invalidation.KeyId(fullKey)))
            {
                return true;
            }

            foreach (string tag in tags ?? [])
            {
                if (Contains(Invalidation.TagId(tag)))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private bool Contains(string id) => _byId.ContainsKey(id) || _widened.ContainsKey(id);

    private void Evict()
    {
        var oldest = _order.First!;
        _order.RemoveFirst();
        _byId.Remove(oldest.Value.Invalidation.Id);
        if (oldest.Value.Expires <= _time.GetUtcNow())
        {
            return;
        }

        // still relevant: keep what covers it
        WidenedTotal++;
        var wide = oldest.Value.Invalidation.Widened;
        if (wide.Kind == InvalidationKind.Namespace && !_widened.ContainsKey(wide.Id)
            && (_widened.ContainsKey(Invalidation.EpochId) || _widened.Count >= PendingInvalidations.MaxWidened))
        {
            wide = Invalidation.Epoch;
        }

        var expires = oldest.Value.Expires;
        if (_widened.TryGetValue(wide.Id, out var kept) && kept.Expires > expires)
        {
            expires = kept.Expires;
        }

        _widened[wide.Id] = new Item(wide, expires);
        if (wide.Kind == InvalidationKind.Epoch)
        {
            // the epoch covers every namespace widened before it
            foreach (var id in _widened.Where(p => p.Value.Invalidation.Kind == InvalidationKind.Namespace && p.Value.Expires <= expires).Select(p => p.Key).ToList())
            {
                _widened.Remove(id);
            }
        }
    }

    private readonly record struct Item(Invalidation Invalidation, DateTimeOffset Expires);
}
