namespace CacheGen.Sample.Domain;

/// <summary>What adding a position did.</summary>
public enum AddPositionResult
{
    /// <summary>Mounted.</summary>
    Added,

    /// <summary>No such rack.</summary>
    RackNotFound,

    /// <summary>No such device spec.</summary>
    UnknownSpec,

    /// <summary>The device does not fit: outside the rack or over another device.</summary>
    NoRoom,
}

/// <summary>An in-memory stand-in for the seed systems' database: 24 racks of three users, seeded the same way on every start.</summary>
public sealed class RackRepository
{
    /// <summary>The users who own the seeded racks.</summary>
    public static readonly string[] Users = ["alice", "bob", "carol"];

    private static readonly string[] s_sites = ["ams1", "fra2", "lon3"];

    private readonly Lock _lock = new();
    private readonly Dictionary<int, Rack> _racks = [];
    private readonly SpecCatalog _catalog;
    private int _nextPositionId = 1;

    /// <summary>Creates the repository with its seed data.</summary>
    public RackRepository(SpecCatalog catalog)
    {
        _catalog = catalog;
        for (int id = 1; id <= 24; id++)
        {
            var positions = new List<RackPosition>();
            int slot = 1;
            for (int n = 0; slot <= 30; n++)
            {
                var spec = catalog.All[((id * 131) + (n * 977)) % catalog.All.Count];
                if (spec.HeightU > 4)
                {
                    continue;
                }

                positions.Add(new RackPosition(_nextPositionId++, slot, spec.Id));
                slot += spec.HeightU;
            }

            string site = s_sites[id % s_sites.Length];
            _racks[id] = new Rack(id, $"R-{site}-{id:00}", Users[(id - 1) % Users.Length], site, 42, 14, 20 + (id % 5), positions);
        }
    }

    /// <summary>Returns the rack, or <see langword="null"/>.</summary>
    public Rack? Find(int rackId)
    {
        lock (_lock)
        {
            return _racks.GetValueOrDefault(rackId);
        }
    }

    /// <summary>Returns the racks of <paramref name="userId"/>, by id.</summary>
    public IReadOnlyList<Rack> ByOwner(string userId)
    {
        lock (_lock)
        {
            return _racks.Values.Where(r => r.OwnerId == userId).OrderBy(r => r.Id).ToList();
        }
    }

    /// <summary>Applies <paramref name="update"/>; false when the rack does not exist.</summary>
    public bool Update(int rackId, RackUpdate update)
    {
        lock (_lock)
        {
            if (!_racks.TryGetValue(rackId, out var rack))
            {
                return false;
            }

            _racks[rackId] = rack with
            {
                Name = update.Name ?? rack.Name,
                Site = update.Site ?? rack.Site,
                MaxPowerKw = update.MaxPowerKw ?? rack.MaxPowerKw,
                InletCelsius = update.InletCelsius ?? rack.InletCelsius,
            };
            return true;
        }
    }

    /// <summary>Mounts a device of <paramref name="specId"/> at <paramref name="slotU"/> if it fits.</summary>
    public AddPositionResult AddPosition(int rackId, int slotU, string specId, out RackPosition? position)
    {
        position = null;
        if (!_catalog.ById.TryGetValue(specId, out var spec))
        {
            return AddPositionResult.UnknownSpec;
        }

        lock (_lock)
        {
            if (!_racks.TryGetValue(rackId, out var rack))
            {
                return AddPositionResult.RackNotFound;
            }

            int top = slotU + spec.HeightU - 1;
            bool overlaps = rack.Positions.Any(p =>
            {
                int otherTop = p.SlotU + _catalog.ById[p.SpecId].HeightU - 1;
                return slotU <= otherTop && p.SlotU <= top;
            });
            if (slotU < 1 || top > rack.HeightU || overlaps)
            {
                return AddPositionResult.NoRoom;
            }

            position = new RackPosition(_nextPositionId++, slotU, specId);
            _racks[rackId] = rack with { Positions = [.. rack.Positions, position] };
            return AddPositionResult.Added;
        }
    }

    /// <summary>Removes a position; false when the rack or the position does not exist.</summary>
    public bool RemovePosition(int rackId, int positionId)
    {
        lock (_lock)
        {
            if (!_racks.TryGetValue(rackId, out var rack) || rack.Positions.All(p => p.Id != positionId))
            {
                return false;
            }

            _racks[rackId] = rack with { Positions = rack.Positions.Where(p => p.Id != positionId).ToList() };
            return true;
        }
    }

    /// <summary>Deletes a rack; false when it does not exist.</summary>
    public bool Delete(int rackId)
    {
        lock (_lock)
        {
            return _racks.Remove(rackId);
        }
    }
}
