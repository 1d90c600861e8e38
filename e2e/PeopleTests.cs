using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>An Admin manages the organisation's people on the People page, and what each change does
/// to the person's open board, at once. Each test works on people of its own (the demo users are
/// shared by every test).</summary>
[Collection(AppCollection.Name)]
public sealed class PeopleTests(AppFixture app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions WithinSeconds = new() { Timeout = 5_000 };

    private async Task<IPage> OpenPeopleAsync(ViewportSize? viewport = null)
    {
        var admin = await app.OpenBoardAsync("admin@acme.demo", viewport);
        // On a phone the drawer is closed: the address instead.
        if (viewport is null) await admin.GetByTestId("nav-people").ClickAsync();
        else await admin.GotoAsync("/admin/users");
        await admin.WaitForURLAsync("**/admin/users");
        await Expect(admin.GetByTestId("people")).ToBeVisibleAsync();
        return admin;
    }

    private static ILocator PersonRow(IPage page, string email) => page.Locator($".kb-people__person[data-email='{email}']");

    [Fact]
    public async Task An_admin_invites_someone_who_then_signs_in_to_the_role_given_and_the_invitation_is_audited()
    {
        var admin = await OpenPeopleAsync();
        var email = $"new.{Guid.NewGuid():N}"[..16] + "@acme.demo";
        AccessibilityTests.AssertNoSeriousViolations(await admin.RunAxe());

        // First with problems: each is said beside its field, and nobody is invited.
        await admin.GetByTestId("invite-email").FillAsync("not-an-email");
        await admin.GetByTestId("invite-password").FillAsync("short");
        await admin.GetByTestId("invite").ClickAsync();
        await Expect(admin.GetByTestId("invite-form")).ToContainTextAsync("Enter an email address such as name@example.com.");
        await Expect(admin.GetByTestId("invite-form")).ToContainTextAsync("Required.");
        await Expect(admin.GetByTestId("invite-form")).ToContainTextAsync("Too weak: at least 6 characters.");

        await admin.GetByTestId("invite-email").FillAsync(email);
        await admin.GetByTestId("invite-name").FillAsync("Robin Newcomer");
        await admin.GetByTestId("invite-role").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Viewer" }).ClickAsync();
        await admin.GetByTestId("invite-password").FillAsync("Welcome!2026");
        await admin.GetByTestId("invite").ClickAsync();

        await Expect(PersonRow(admin, email)).ToContainTextAsync("Robin Newcomer");
        await Expect(admin.GetByTestId("audit").Locator("li").First).ToContainTextAsync("Avery Acme invited Robin Newcomer as Viewer");

        var newcomer = await app.NewAnonymousPageAsync();
        await AppFixture.SignInAsync(newcomer, email, "Welcome!2026");
        await newcomer.WaitForURLAsync("**/board/lead");
        await Expect(newcomer.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_role_changed_on_the_page_reaches_the_persons_open_board_at_once()
    {
        var email = await app.NewMemberAsync(("acme", "Manager"));
        var member = await app.OpenBoardAsync(email);
        await Expect(member.Locator(".kb-sortable__item--movable").First).ToBeVisibleAsync();
        var admin = await OpenPeopleAsync();

        await PersonRow(admin, email).GetByTestId("role").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Viewer" }).ClickAsync();

        await Expect(member.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToBeVisibleAsync(WithinSeconds);
        await Expect(member.Locator(".kb-sortable__item--movable")).ToHaveCountAsync(0);
        await Expect(admin.GetByTestId("audit").Locator("li").First).ToContainTextAsync("changed");
        await Expect(admin.GetByTestId("audit").Locator("li").First).ToContainTextAsync("from Manager to Viewer");
    }

    [Fact]
    public async Task A_deactivated_person_is_signed_out_of_their_open_board_at_once_and_a_colleague_keeps_working()
    {
        var email = await app.NewMemberAsync(("acme", "SalesRep"));
        var member = await app.OpenBoardAsync(email);
        var colleague = await app.OpenBoardAsync("manager@acme.demo");
        var admin = await OpenPeopleAsync(new() { Width = 390, Height = 844 });
        Assert.True(await admin.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the People page scrolls sideways on a phone");

        await PersonRow(admin, email).GetByTestId("deactivate").ClickAsync();
        await PersonRow(admin, email).GetByTestId("confirm-deactivate").ClickAsync();

        await Expect(member).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 5_000 });
        await Expect(PersonRow(admin, email).GetByTestId("deactivated")).ToBeVisibleAsync();
        await Expect(admin.GetByTestId("audit").Locator("li").First).ToContainTextAsync("deactivated");
        // The colleague's board is untouched (the sentinel: it still moves).
        var card = colleague.Stage("New").Cards().First;
        var sequence = await colleague.SequenceAsync();
        await colleague.DragToTopAsync(card, colleague.Stage("Contacted"));
        await colleague.ExpectSavedAfterAsync(sequence);

        app.ForgetSignIn(email);
        await AppFixture.SignInAsync(member, email, AppFixture.Password);
        await Expect(member.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email or password is not right.");

        // Reactivated, they are back.
        await PersonRow(admin, email).GetByTestId("reactivate").ClickAsync();
        await Expect(PersonRow(admin, email).GetByTestId("deactivated")).ToHaveCountAsync(0);
        await AppFixture.SignInAsync(member, email, AppFixture.Password);
        await member.WaitForURLAsync("**/board/lead");
    }

    [Fact]
    public async Task The_people_page_is_for_admins_only()
    {
        var manager = await app.OpenBoardAsync("manager@acme.demo");
        await Expect(manager.GetByTestId("nav-people")).ToHaveCountAsync(0);
        await manager.GotoAsync("/admin/users");
        await Expect(manager.GetByTestId("people-forbidden")).ToHaveTextAsync("Only an Admin can manage the organisation's people.");
        await Expect(manager.GetByTestId("people")).ToHaveCountAsync(0);
        await Expect(manager.Locator("[data-email]")).ToHaveCountAsync(0);
    }
}
