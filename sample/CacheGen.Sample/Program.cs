using CacheGen.Sample;
using CacheGen.Sample.Demo;

// dotnet run --project sample/CacheGen.Sample             the API (in-memory cache unless CacheGen__Redis is set)
// dotnet run --project sample/CacheGen.Sample -- --demo   cold vs warm, invalidation and (with Redis) an outage, as a table
if (args.Contains("--demo"))
{
    return await DemoRunner.RunAsync([.. args.Where(a => a != "--demo")], Console.Out);
}

var app = SampleApp.Configure(SampleApp.CreateBuilder(args).Build());
StartupBanner.PrintWhenStarted(app, Console.Out);
await app.RunAsync();
return 0;
