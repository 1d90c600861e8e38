using KanbanBlazor.Web.Components;
using Xunit;

namespace KanbanBlazor.Tests.Web;

public sealed class CollapsedStagesTests
{
    [Fact]
    public void Each_user_and_board_keeps_its_own_collapsed_stages_in_the_one_cookie()
    {
        var (ana, ben) = (Guid.NewGuid(), Guid.NewGuid());
        var cookie = UiPreferences.WithCollapsed(null, ana, "lead", ["won", "lost"]);
        cookie = UiPreferences.WithCollapsed(cookie, ben, "lead", ["new"]);
        cookie = UiPreferences.WithCollapsed(cookie, ana, "task", ["done"]);

        Assert.Equal(["lost", "won"], UiPreferences.CollapsedStages(cookie, ana, "lead").Order());
        Assert.Equal(["new"], UiPreferences.CollapsedStages(cookie, ben, "lead"));
        Assert.Equal(["done"], UiPreferences.CollapsedStages(cookie, ana, "task"));
        Assert.Empty(UiPreferences.CollapsedStages(cookie, ben, "task"));

        // Expanding everything forgets the entry; a broken cookie is no cookie.
        cookie = UiPreferences.WithCollapsed(cookie, ana, "lead", []);
        Assert.Empty(UiPreferences.CollapsedStages(cookie, ana, "lead"));
        Assert.Equal(["new"], UiPreferences.CollapsedStages(cookie, ben, "lead"));
        Assert.Empty(UiPreferences.CollapsedStages("garbage|=|x=", ana, "lead"));
    }
}
