using System.Reflection;
using Xunit.Sdk;

[assembly: KanbanBlazor.E2E.CloseBrowserContextsAfterEachTest]

namespace KanbanBlazor.E2E;

/// <summary>After every browser test, the browser contexts it opened are closed.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CloseBrowserContextsAfterEachTestAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest) =>
        AppFixture.Current?.CloseContextsAsync().GetAwaiter().GetResult();
}
