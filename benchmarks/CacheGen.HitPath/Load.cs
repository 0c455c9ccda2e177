namespace CacheGen.HitPath;

/// <summary>Who calls, and on which keys.</summary>
public enum Load
{
    /// <summary>One caller awaiting one key in a loop.</summary>
    OneCaller,

    /// <summary>64 concurrent callers, each on its own keys of 10,000 distinct ones.</summary>
    Callers64Distinct,

    /// <summary>64 concurrent callers on 50 hot keys.</summary>
    Callers64Hot,
}

/// <summary>Runs a batch of <see cref="Ops"/> hits under a <see cref="Load"/>.</summary>
public static class Driver
{
    public const int Ops = Callers * PerCaller;
    public const int DistinctKeys = 10_000;
    public const int HotKeys = 50;
    private const int Callers = 64;
    private const int PerCaller = 64;

    /// <summary>Every id a load touches.</summary>
    public static IEnumerable<int> Ids(Load load) => Enumerable.Range(Item.FirstId, load switch
    {
        Load.OneCaller => 1,
        Load.Callers64Hot => HotKeys,
        _ => DistinctKeys,
    });

    /// <summary>The id caller <paramref name="caller"/> reads in its <paramref name="i"/>-th call of round <paramref name="round"/>.</summary>
    public static int Id(Load load, int round, int caller, int i) => Item.FirstId + load switch
    {
        Load.OneCaller => 0,
        Load.Callers64Hot => (caller + i) % HotKeys,
        _ => ((round * Ops) + (caller * PerCaller) + i) % DistinctKeys,
    };

    /// <summary>One caller runs all <see cref="Ops"/> calls; or 64 callers (started on the thread pool) run 64 each.</summary>
    public static async Task<long> Run(Load load, int round, Func<int, int, int, Task<long>> callerLoop)
    {
        if (load == Load.OneCaller)
        {
            return await callerLoop(round, 0, Ops).ConfigureAwait(false);
        }

        var callers = new Task<long>[Callers];
        for (int c = 0; c < Callers; c++)
        {
            int caller = c;
            callers[c] = Task.Run(() => callerLoop(round, caller, PerCaller));
        }

        long sum = 0;
        foreach (long s in await Task.WhenAll(callers).ConfigureAwait(false))
        {
            sum += s;
        }

        return sum;
    }

    /// <summary>
    /// Calls <paramref name="call"/> until the client counts a hit: its store's first connect (in the background, calls
    /// meanwhile are counted misses) is over before a setup fills the cache. Prints the client's statistics then, so the
    /// cleanup's figures minus these are what the measured calls did.
    /// </summary>
    public static void WaitForStore(ICacheClient client, Func<Task> call)
    {
        var started = DateTime.UtcNow;
        while (client.GetStatistics().Hits == 0)
        {
            call().GetAwaiter().GetResult();
            Thread.Sleep(20);
            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("no hit within 30 s: " + client.GetStatistics());
            }
        }

        Console.WriteLine($"// CacheGen statistics before the setup's fill: {client.GetStatistics()}");
    }

    /// <summary>
    /// Fills the cache through <paramref name="benchmark"/> (every key of <paramref name="load"/>), then requires a whole
    /// pass in which <paramref name="computations"/> moves by at most 0.1% of the calls: what is measured is hits. (On
    /// this shared 2-core machine a few of CacheGen's reads or write-backs can pass their 250 ms timeout under 64
    /// callers; each such read is a counted miss, and the cleanup prints the client's statistics.)
    /// </summary>
    public static void RequireHits(Load load, Func<long> computations, Func<Task<long>> benchmark)
    {
        int rounds = load == Load.Callers64Distinct ? (DistinctKeys / Ops) + 1 : 1;
        long allowed = rounds * Ops / 1000;
        long last = -1;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            long before = computations();
            for (int r = 0; r < rounds; r++)
            {
                benchmark().GetAwaiter().GetResult();
            }

            last = computations() - before;
            if (attempt > 0 && last <= allowed)
            {
                Console.WriteLine($"// hits verified: {last} of {rounds * Ops} calls computed in the check pass");
                return;
            }

            // CacheGen writes back in the background: give the writes time to land
            Thread.Sleep(200);
        }

        throw new InvalidOperationException($"the measured calls are not hits: {last} of {rounds * Ops} computed in the last pass");
    }
}
