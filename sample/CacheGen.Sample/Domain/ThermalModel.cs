namespace CacheGen.Sample.Domain;

/// <summary>
/// A steady-state airflow and heat model of a rack: a grid of rack units × depth cells, cold air entering at the
/// front, carried to the back by each device's fans and spreading to neighbouring cells, solved by a fixed number of
/// relaxation sweeps. CPU-bound and deterministic: the same rack always gives the same report.
/// </summary>
public static class ThermalModel
{
    private const int DepthCells = 48;
    private const int BaseIterations = 12_000;

    /// <summary>Analyses <paramref name="rack"/>; <paramref name="workFactor"/> scales the sweeps (1 in production).</summary>
    public static ThermalReport Analyse(Rack rack, SpecCatalog catalog, double workFactor, DateTimeOffset now, CancellationToken ct)
    {
        int rows = rack.HeightU;
        int cells = rows * DepthCells;
        var source = new double[cells];
        var flow = new double[rows];
        Array.Fill(flow, 15.0); // blanking panels still leak some air
        double totalWatts = 0;
        foreach (var position in rack.Positions)
        {
            var spec = catalog.ById[position.SpecId];
            totalWatts += spec.PowerWatts;
            for (int u = 0; u < spec.HeightU; u++)
            {
                int row = position.SlotU - 1 + u;
                if (row >= rows)
                {
                    break;
                }

                flow[row] = spec.AirflowCfm / spec.HeightU;
                for (int c = 8; c < DepthCells - 8; c++)
                {
                    source[(row * DepthCells) + c] = spec.PowerWatts / spec.HeightU / (DepthCells - 16);
                }
            }
        }

        var t = new double[cells];
        var next = new double[cells];
        Array.Fill(t, rack.InletCelsius);
        const double Diffusion = 0.35;
        int iterations = Math.Max(20, (int)(BaseIterations * workFactor));
        for (int i = 0; i < iterations; i++)
        {
            if ((i & 255) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            for (int r = 0; r < rows; r++)
            {
                // air mass per cell and unit: more airflow carries the heat away with a smaller rise
                double advection = flow[r] * 0.06;
                int row = r * DepthCells;
                next[row] = rack.InletCelsius;
                for (int c = 1; c < DepthCells; c++)
                {
                    int k = row + c;
                    double sum = advection * t[k - 1];
                    double weight = advection;
                    if (r > 0)
                    {
                        sum += Diffusion * t[k - DepthCells];
                        weight += Diffusion;
                    }

                    if (r < rows - 1)
                    {
                        sum += Diffusion * t[k + DepthCells];
                        weight += Diffusion;
                    }

                    if (c < DepthCells - 1)
                    {
                        sum += Diffusion * t[k + 1];
                        weight += Diffusion;
                    }

                    next[k] = (sum + (source[k] * 0.02)) / weight;
                }
            }

            (t, next) = (next, t);
        }

        var profile = new SlotTemperature[rows];
        int hotspot = 1;
        for (int r = 0; r < rows; r++)
        {
            double outlet = Math.Round(t[(r * DepthCells) + DepthCells - 1], 2);
            profile[r] = new SlotTemperature(r + 1, outlet);
            if (outlet > profile[hotspot - 1].Celsius)
            {
                hotspot = r + 1;
            }
        }

        double max = profile[hotspot - 1].Celsius;
        string status = max > 45 ? "critical" : max > 35 ? "warm" : "ok";
        return new ThermalReport(rack.Id, rack.InletCelsius, Math.Round(totalWatts / 1000, 2), max, hotspot, status, iterations, [.. profile], now);
    }
}
