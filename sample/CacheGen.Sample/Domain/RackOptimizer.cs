namespace CacheGen.Sample.Domain;

/// <summary>
/// Searches for a better order of a rack's devices (stacked from the bottom) by simulated annealing with a fixed seed
/// per rack and strategy: CPU-bound and deterministic.
/// </summary>
public static class RackOptimizer
{
    private const int BaseSteps = 60_000;
    private const int ZoneU = 6;

    /// <summary>Plans <paramref name="rack"/> for <paramref name="strategy"/>; <paramref name="workFactor"/> scales the search (1 in production).</summary>
    public static OptimizationPlan Optimise(Rack rack, OptimizationStrategy strategy, SpecCatalog catalog, double workFactor, DateTimeOffset now, CancellationToken ct)
    {
        var devices = rack.Positions.OrderBy(p => p.SlotU).Select(p => (Position: p, Spec: catalog.ById[p.SpecId])).ToArray();
        int n = devices.Length;
        var order = Enumerable.Range(0, n).ToArray();
        var zones = new double[(rack.HeightU / ZoneU) + 1];
        double Score(int[] o) => Evaluate(o, devices, zones, strategy, rack);

        double before = Score(order);
        var best = (int[])order.Clone();
        double bestScore = before;
        double current = before;
        var random = new Random((rack.Id * 397) ^ (int)strategy);
        long steps = n < 2 ? 0 : Math.Max(100, (long)(BaseSteps * workFactor));
        for (long step = 0; step < steps; step++)
        {
            if ((step & 4095) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            int a = random.Next(n);
            int b = random.Next(n);
            (order[a], order[b]) = (order[b], order[a]);
            double candidate = Score(order);
            double temperature = 1.0 - ((double)step / steps);
            if (candidate <= current || random.NextDouble() < Math.Exp((current - candidate) / (temperature * 50 + 1e-9)))
            {
                current = candidate;
                if (candidate < bestScore)
                {
                    bestScore = candidate;
                    Array.Copy(order, best, n);
                }
            }
            else
            {
                (order[a], order[b]) = (order[b], order[a]);
            }
        }

        var moves = new List<PositionMove>();
        int slot = 1;
        foreach (int i in best)
        {
            var (position, spec) = devices[i];
            if (position.SlotU != slot)
            {
                moves.Add(new PositionMove(position.Id, spec.Id, position.SlotU, slot));
            }

            slot += spec.HeightU;
        }

        return new OptimizationPlan(rack.Id, strategy, Math.Round(before, 3), Math.Round(bestScore, 3), steps, [.. moves], now);
    }

    private static double Evaluate(int[] order, (RackPosition Position, DeviceSpec Spec)[] devices, double[] zones, OptimizationStrategy strategy, Rack rack)
    {
        Array.Clear(zones);
        double thermal = 0;
        double density = 0;
        int slot = 1;
        string? previousCategory = null;
        double previousWatts = 0;
        foreach (int i in order)
        {
            var spec = devices[i].Spec;
            zones[Math.Min(zones.Length - 1, (slot - 1) / ZoneU)] += spec.PowerWatts;

            // hot devices high up breathe warmer air; two hot neighbours feed each other
            thermal += spec.PowerWatts * slot / 1000.0 * (1 + ((rack.InletCelsius - 18) / 20));
            thermal += Math.Min(previousWatts, spec.PowerWatts) / 500.0;
            if (previousCategory is not null && previousCategory != spec.Category)
            {
                density += 1;
            }

            previousCategory = spec.Category;
            previousWatts = spec.PowerWatts;
            slot += spec.HeightU;
        }

        double mean = zones.Average();
        double power = 0;
        foreach (double z in zones)
        {
            power += (z - mean) * (z - mean) / 1e5;
        }

        power += Math.Max(0, (zones.Sum() / 1000) - rack.MaxPowerKw) * 100;
        return strategy switch
        {
            OptimizationStrategy.Power => power,
            OptimizationStrategy.Thermal => thermal,
            OptimizationStrategy.Density => density,
            _ => power + (thermal / 10) + density,
        };
    }
}
