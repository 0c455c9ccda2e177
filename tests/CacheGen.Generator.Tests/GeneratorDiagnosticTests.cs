using CacheGen.Generator.Tests.Infrastructure;

namespace CacheGen.Generator.Tests;

/// <summary>
/// The two diagnostics the generator reports itself (CGEN001, CGEN002), on the standard harness: the marked spans and
/// nothing else (the compiler's own errors for the same mistake included), and what is generated beside them.
/// </summary>
public sealed class GeneratorDiagnosticTests
{
    private const string Head = """
        using System.Threading.Tasks;
        using CacheGen;

        namespace Demo;

        public sealed record Item(int Id);

        """;

    [Fact]
    public void MethodWithABody_ReportsCGEN001_AndTheOtherMethodsAreStillGenerated()
    {
        var sources = GeneratorHarness.RunWithDiagnostics(Head + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public Task<Item> {|CGEN001:Get|}(int id) => Task.FromResult(new Item(id));

                [Cached("items", 60)]
                public partial Task<Item> Find(int id);

                private Task<Item> FindCore(int id) => Task.FromResult(new Item(id));
            }
            """);

        Assert.Contains("Demo.Svc.Find.g.cs", sources.Keys);
        Assert.DoesNotContain("Demo.Svc.Get.g.cs", sources.Keys);
    }

    [Fact]
    public void PartialMethodInATypeThatIsNot_ReportsCGEN002_AndGeneratesNoWrapper()
    {
        var sources = GeneratorHarness.RunWithDiagnostics(Head + """
            public class Svc(ICacheClient {|CS9113:cache|})
            {
                [InvalidatesCache("items")]
                public partial Task {|CGEN002:{|CS0751:{|CS8795:Clear|}|}|}();

                private Task ClearCore() => Task.CompletedTask;
            }
            """);

        // nothing is generated for the method: the client parameter stays unread (CS9113 above)
        Assert.DoesNotContain("Demo.Svc.Clear.g.cs", sources.Keys);
        Assert.DoesNotContain(sources.Values, text => text.Contains("ClearCore", StringComparison.Ordinal));
    }
}
