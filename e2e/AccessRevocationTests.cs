using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>
/// Access changed by an administrator (here: SQL, as another instance or a script would) reaches the
/// open board of the person concerned within seconds, without anyone touching the page: the
/// circuit's own periodic check is 30 seconds away, so only the push can pass these.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class AccessRevocationTests(AppFixture app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions WithinSeconds = new() { Timeout = 5_000 };

    [Fact]
    public async Task A_removed_member_loses_their_open_board_within_seconds_and_is_offered_their_other_organisation()
    {
        var email = await app.NewMemberAsync(("acme", "Manager"), ("globex", "SalesRep"));
        var member = await app.OpenBoardAsync(email);
        var colleague = await app.OpenBoardAsync("admin@acme.demo");
        await Expect(member.Locator(".kb-sortable__item--movable").First).ToBeVisibleAsync();

        await RemoveAsync(email, "acme");

        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "You no longer have access to Acme Corporation" })).ToBeVisibleAsync(WithinSeconds);
        await Expect(member.Locator(".kb-board")).ToHaveCountAsync(0);
        AccessibilityTests.AssertNoSeriousViolations(await member.RunAxe());

        // A colleague's move after the removal reaches the colleague (the sentinel) and nothing of it
        // reaches the removed member's page.
        var card = colleague.Stage("New").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        var sequence = await colleague.SequenceAsync();
        await colleague.DragToTopAsync(card, colleague.Stage("Contacted"));
        await colleague.ExpectSavedAfterAsync(sequence);
        await Expect(member.Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
        await Expect(member.Locator("[data-testid=board-sequence]")).ToHaveCountAsync(0);

        // Coming back is a styled page, not an empty 404, with a way to the organisation they still have.
        await member.ReloadAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "You are not a member of this organisation" })).ToBeVisibleAsync();
        AccessibilityTests.AssertNoSeriousViolations(await member.RunAxe());
        await member.GetByRole(AriaRole.Button, new() { Name = "Switch to Globex Inc." }).ClickAsync();
        await member.WaitForURLAsync("**/board/lead");
        await member.OpenUserMenuAsync();
        await Expect(member.RoleAndOrganisation()).ToHaveTextAsync("Sales rep · Globex Inc.");
    }

    [Fact]
    public async Task A_demoted_member_finds_their_open_board_read_only_at_once()
    {
        var email = await app.NewMemberAsync(("acme", "Manager"));
        var member = await app.OpenBoardAsync(email);
        await Expect(member.Locator(".kb-sortable__item--movable").First).ToBeVisibleAsync();
        await Expect(member.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToHaveCountAsync(0);

        await app.ExecuteSqlAsync("""
            UPDATE tenant_memberships SET role = 'Viewer'
            WHERE user_id = (SELECT id FROM users WHERE normalized_email = upper(@email))
            """, ("email", email));

        await Expect(member.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToBeVisibleAsync(WithinSeconds);
        await Expect(member.Locator(".kb-sortable__item--movable")).ToHaveCountAsync(0);
        await Expect(member.Locator(".kb-board")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_deactivated_user_is_signed_out_of_their_open_board_within_seconds_and_cannot_sign_in_again()
    {
        var email = await app.NewMemberAsync(("globex", "SalesRep"));
        var member = await app.OpenBoardAsync(email);

        // Deactivation (README, "Sessions and access"): locked out for good, and a new security stamp.
        await app.ExecuteSqlAsync("""
            UPDATE users SET lockout_end = '9999-01-01', security_stamp = gen_random_uuid()::text
            WHERE normalized_email = upper(@email)
            """, ("email", email));

        await Expect(member).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 5_000 });
        app.ForgetSignIn(email);
        await AppFixture.SignInAsync(member, email, AppFixture.Password);
        await Expect(member.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email or password is not right.");
    }

    private Task RemoveAsync(string email, string tenant) => app.ExecuteSqlAsync("""
        DELETE FROM tenant_memberships m USING tenants t
        WHERE t.id = m.tenant_id AND t.slug = @tenant AND m.user_id = (SELECT id FROM users WHERE normalized_email = upper(@email))
        """, ("email", email), ("tenant", tenant));
}
