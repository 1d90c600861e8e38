using System.Reflection;
using Xunit.Sdk;

[assembly: KanbanBlazor.E2E.CloseBrowserContextsAfterEachTest]
// One collection at a time: the cluster's tests restart PostgreSQL and kill instances, and a two-core
// machine runs one app's browser tests at a time at best.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace KanbanBlazor.E2E;

/// <summary>After every browser test, the browser contexts it opened are closed.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CloseBrowserContextsAfterEachTestAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest)
    {
        AppFixture.Current?.CloseContextsAsync().GetAwaiter().GetResult();
        ClusterFixture.Current?.CloseContextsAsync().GetAwaiter().GetResult();
    }
}
