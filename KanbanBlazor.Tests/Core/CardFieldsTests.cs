using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Cards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class CardFieldsTests
{
    private static readonly Guid Member = Guid.NewGuid();
    private static readonly Guid Stranger = Guid.NewGuid();

    private static IReadOnlyList<FieldError> Validate(string entityType, CardDraft draft) =>
        CardFields.Validate(entityType, draft.Normalized(entityType), id => id == Member);

    [Fact]
    public void Each_entity_type_has_its_own_fields()
    {
        Assert.Contains(CardFields.Email, CardFields.For("lead"));
        Assert.DoesNotContain(CardFields.Probability, CardFields.For("lead"));
        Assert.Contains(CardFields.Probability, CardFields.For("opportunity"));
        Assert.Contains(CardFields.DueOn, CardFields.For("task"));
        Assert.DoesNotContain(CardFields.Value, CardFields.For("task"));
        Assert.Contains(CardFields.Health, CardFields.For("customer"));
        Assert.Throws<ArgumentOutOfRangeException>(() => CardFields.For("invoice"));
    }

    [Fact]
    public void A_draft_is_stored_trimmed_without_the_fields_its_type_does_not_use()
    {
        var draft = new CardDraft
        {
            Title = "  Umbrella  ", Company = "   ", Email = " a@b.example ", Probability = 50, Description = "kept only on tasks", Currency = " eur ", Value = 10,
            NextActionAt = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(-3)),
        }.Normalized("lead");

        Assert.Equal(("Umbrella", null, "a@b.example", null, null, "EUR"), (draft.Title, draft.Company, draft.Email, draft.Probability, draft.Description, draft.Currency));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 13, 0, 0, TimeSpan.Zero), draft.NextActionAt);
        Assert.Equal(TimeSpan.Zero, draft.NextActionAt!.Value.Offset);
        Assert.Equal(0, new CardDraft { Title = "x", Value = 10 }.Normalized("task").Value);
    }

    [Fact]
    public void A_good_draft_of_each_type_passes()
    {
        Assert.Empty(Validate("lead", new CardDraft { Title = "Initech", Email = "peter@initech.example", Phone = "+55 (11) 5555-0100", Score = 100, OwnerId = Member }));
        Assert.Empty(Validate("opportunity", new CardDraft { Title = "Deal", Value = 1234.56m, Currency = "BRL", Probability = 0, OwnerId = Member }));
        Assert.Empty(Validate("task", new CardDraft { Title = "Send contract", AssigneeId = Member, DueOn = new DateOnly(2026, 12, 1), OwnerId = Member }));
        Assert.Empty(Validate("customer", new CardDraft { Title = "Hooli", Plan = "Enterprise", Health = CustomerHealth.Fair, Value = 50000, OwnerId = Member }));
    }

    [Theory]
    [InlineData("lead", "email", "email")]
    [InlineData("lead", "phone", "phone")]
    [InlineData("lead", "score", "range")]
    [InlineData("opportunity", "probability", "range")]
    [InlineData("opportunity", "value", "amount")]
    [InlineData("opportunity", "currency", "currency")]
    [InlineData("task", "assigneeId", "member")]
    [InlineData("lead", "ownerId", "member")]
    [InlineData("lead", "title", "too_long")]
    [InlineData("lead", "nextActionAt", "required")]
    public void A_bad_field_is_named_with_its_problem(string entityType, string field, string code)
    {
        var draft = new CardDraft { Title = "Fine", OwnerId = Member };
        draft = field switch
        {
            "email" => draft with { Email = "peter@" },
            "phone" => draft with { Phone = "ring ring" },
            "score" => draft with { Score = -1 },
            "probability" => draft with { Probability = 101 },
            "value" => draft with { Value = 1.005m },
            "currency" => draft with { Currency = "XYZ" },
            "assigneeId" => draft with { AssigneeId = Stranger },
            "ownerId" => draft with { OwnerId = Stranger },
            "title" => draft with { Title = new string('t', CardFields.TitleLength + 1) },
            _ => draft with { NextActionDetails = "Call back" }, // what, but not when
        };

        var error = Assert.Single(Validate(entityType, draft));

        Assert.Equal((field, code), (error.Field, error.Code));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Changes_name_each_changed_field_with_its_old_and_new_value_as_text()
    {
        var before = new CardDraft { Title = "A", Value = 10, Currency = "USD", OwnerId = Member }.Normalized("opportunity");
        var after = before with { Title = "B", Value = 12.5m, Probability = 40, NextActionAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero) };

        var changes = CardFields.Changes("opportunity", before, after);

        Assert.Equal(
            [new FieldChange("title", "A", "B"), new FieldChange("value", "10.00", "12.50"), new FieldChange("probability", null, "40"),
             new FieldChange("nextActionAt", null, "2026-12-01T09:00:00.0000000Z")],
            changes);
        Assert.Empty(CardFields.Changes("opportunity", after, after));
    }

    [Theory]
    [InlineData(TenantRole.Viewer, false, false, false, false)]
    [InlineData(TenantRole.SalesRep, true, true, false, false)]
    [InlineData(TenantRole.Manager, true, true, true, true)]
    [InlineData(TenantRole.Admin, true, true, true, true)]
    public void Roles_decide_who_creates_edits_deletes_and_gives_cards_away(TenantRole role, bool create, bool editOwn, bool editOthers, bool delete)
    {
        var me = Guid.NewGuid();
        Assert.Equal(create, CardPermissions.CanCreate(role));
        Assert.Equal(editOwn, CardPermissions.CanEdit(role, me, me));
        Assert.Equal(editOthers, CardPermissions.CanEdit(role, me, Guid.NewGuid()));
        Assert.Equal(delete, CardPermissions.CanDelete(role));
        Assert.Equal(editOthers, CardPermissions.CanGiveTo(role, me, Guid.NewGuid()));
    }
}
