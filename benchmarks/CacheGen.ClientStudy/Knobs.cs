using StackExchange.Redis;

namespace CacheGen.ClientStudy;

/// <summary>The configuration knobs measured for each client version.</summary>
public static class Knobs
{
    public const string Variable = "CLIENTSTUDY_KNOB";

    /// <summary>The knobs that exist in <paramref name="version"/>.</summary>
    public static string[] For(string version) => version[0] switch
    {
        // 1.2.6: completions are queued in order on a dedicated thread unless PreserveAsyncOrder is off;
        // socket threads run above normal priority unless HighPrioritySocketThreads is off
        '1' => ["default", "asyncorder-off", "normal-priority"],
        // 2.x: the default SocketManager.Shared reads on 10 dedicated threads, then completes the Task on the thread
        // pool; SocketManager.ThreadPool reads on the thread pool; FailFast turns the backlog off;
        // PreventThreadTheft completes through an explicit thread-pool work item
        '2' => ["default", "sm-threadpool", "sm-dedicated-2", "failfast", "sm-threadpool+failfast", "preventthreadtheft"],
        // 3.x: SocketManager is obsolete and ignored; DedicatedThreads gives each connection its own reader and writer
        // thread; RESP3 is the other protocol
        _ => ["default", "dedicatedthreads", "failfast", "preventthreadtheft", "resp3"],
    };

    /// <summary>Applies the knob named by <see cref="Variable"/> to <paramref name="options"/> (or to the process).</summary>
    public static string Configure(ConfigurationOptions options)
    {
        string knob = Environment.GetEnvironmentVariable(Variable) ?? "default";
        switch (knob)
        {
            case "default":
                break;
#if SER1
            case "asyncorder-off":
                // a multiplexer property in 1.2.6: applied in AfterConnect
                break;
            case "normal-priority":
                options.HighPrioritySocketThreads = false;
                break;
#else
            case "failfast":
                options.BacklogPolicy = BacklogPolicy.FailFast;
                break;
            case "preventthreadtheft":
                ConnectionMultiplexer.SetFeatureFlag("PreventThreadTheft", true);
                break;
#endif
#if SER2
            case "sm-threadpool":
                options.SocketManager = SocketManager.ThreadPool;
                break;
            case "sm-dedicated-2":
                options.SocketManager = new SocketManager("ClientStudy", workerCount: 2, SocketManager.SocketManagerOptions.None);
                break;
            case "sm-threadpool+failfast":
                options.SocketManager = SocketManager.ThreadPool;
                options.BacklogPolicy = BacklogPolicy.FailFast;
                break;
#endif
#if SER3
            case "dedicatedthreads":
                ConnectionMultiplexer.SetFeatureFlag("DedicatedThreads", true);
                break;
            case "resp3":
                options.Protocol = RedisProtocol.Resp3;
                break;
#endif
            default:
                throw new NotSupportedException($"knob '{knob}' does not exist in this client version");
        }

        return knob;
    }

    /// <summary>Applies knobs that are multiplexer properties.</summary>
    public static void AfterConnect(ConnectionMultiplexer mux)
    {
#if SER1
        if (Environment.GetEnvironmentVariable(Variable) == "asyncorder-off")
        {
            mux.PreserveAsyncOrder = false;
        }
#else
        _ = mux;
#endif
    }
}
