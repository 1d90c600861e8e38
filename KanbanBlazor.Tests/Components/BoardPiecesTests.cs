using Bunit;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KanbanBlazor.Tests.Components;

public sealed class BoardPiecesTests : ComponentTest
{
    private static readonly Guid Rep = Guid.NewGuid();
    private static readonly BoardCard Own = new(Guid.NewGuid(), "Own card", null, 1000m, "USD", Rep, "Riley", "new", "V", 1, null, null);
    private static readonly BoardCard Other = new(Guid.NewGuid(), "Someone else's card", null, 2000m, "USD", Guid.NewGuid(), "Morgan", "new", "k", 1, null, null);

    private IRenderedComponent<SortableList<BoardCard>> RenderList(bool disabled, Func<BoardCard, bool>? canDrag = null) =>
        Render<SortableList<BoardCard>>(p => p
            .Add(l => l.Items, [Own, Other])
            .Add(l => l.ListId, "new")
            .Add(l => l.Label, "New cards")
            .Add(l => l.Describe, c =>
            {
                var movable = !disabled && (canDrag?.Invoke(c) ?? true);
                return new SortableItem(c.Id.ToString(), c.Title, movable ? "Drag to move" : "Only the owner may move this card", movable, c.Title);
            })
            .Add(l => l.Disabled, disabled));

    [Fact]
    public void A_viewers_list_has_no_drag_handles_and_never_attaches_sortablejs()
    {
        var list = RenderList(disabled: true);
        Assert.Empty(list.FindAll(".kb-sortable__item--movable"));
        Assert.Equal(2, list.FindAll(".kb-sortable__item--locked").Count);
        Assert.Empty(list.FindAll("[aria-keyshortcuts]"));
        // The list is attached for its scrolling window and its cards' buttons, with SortableJS off.
        var attach = Assert.Single(JSInterop.Invocations, i => i.Identifier == "attach");
        Assert.Equal("view", attach.Arguments[3]);
    }

    [Fact]
    public void The_lists_of_one_page_import_their_script_once_and_each_attaches_to_it()
    {
        RenderList(disabled: false);
        RenderList(disabled: true);
        Assert.Single(JSInterop.Invocations, i => i.Identifier == "import");
        Assert.Equal(["drag", "view"], JSInterop.Invocations.Where(i => i.Identifier == "attach").Select(i => i.Arguments[3]));
    }

    [Fact]
    public void A_sales_reps_list_lets_them_drag_only_their_own_cards_and_says_why_not_on_the_others()
    {
        var list = RenderList(disabled: false, canDrag: c => c.OwnerId == Rep);
        var own = list.Find($"[data-id='{Own.Id}']");
        var other = list.Find($"[data-id='{Other.Id}']");
        Assert.Contains("kb-sortable__item--movable", own.ClassName);
        Assert.Contains("kb-sortable__item--locked", other.ClassName);
        Assert.Equal("Only the owner may move this card", other.GetAttribute("title"));
        Assert.Null(other.GetAttribute("aria-keyshortcuts"));
        Assert.Equal("Drag to move", own.GetAttribute("title"));
        Assert.Contains(JSInterop.Invocations, i => i.Identifier == "import");
    }

    [Fact]
    public void An_items_label_and_tooltip_are_encoded_into_its_element_and_one_string_serves_every_list()
    {
        // Items are rendered as one markup string each: a card title is the user's text, never HTML.
        var item = new SortableItem("a\"b", "<img src=x onerror=alert(1)> \"quoted\" & more", "Drag \"here\"", true, "<span>content</span>");
        var list = Render<SortableList<string>>(p => p
            .Add(l => l.Items, ["one"]).Add(l => l.ListId, "new").Add(l => l.Label, "New")
            .Add(l => l.Describe, _ => item));
        var element = Assert.Single(list.FindAll(".kb-sortable__item"));
        Assert.Equal("<img src=x onerror=alert(1)> \"quoted\" & more", element.GetAttribute("aria-label"));
        Assert.Equal("Drag \"here\"", element.GetAttribute("title"));
        Assert.Equal("a\"b", element.GetAttribute("data-id"));
        Assert.Empty(list.FindAll("img"));
        Assert.Equal("content", element.TextContent);
        Assert.Same(item.Element(true), item.Element(true));
        Assert.NotEqual(item.Element(true), item.Element(false));
    }

    [Fact]
    public async Task A_stage_told_of_a_colleagues_move_shows_its_new_cards_and_total_without_its_board_rendering_it()
    {
        var stage = new BoardStage("new", "New", StageOutcome.Open, null, null);
        var view = new BoardView(DateTimeOffset.UtcNow, TimeZoneInfo.Utc, true, [("new", "New"), ("contacted", "Contacted")],
            _ => true, _ => null, _ => Task.CompletedTask, _ => Task.CompletedTask, default, default, _ => Task.CompletedTask, _ => Task.CompletedTask)
        {
            ShowsWeighted = true,
        };
        var column = Render<BoardColumn>(p => p.Add(c => c.Stage, stage).Add(c => c.Name, "New")
            .Add(c => c.Cards, [Own]).Add(c => c.TotalValue, 1000m).Add(c => c.WeightedValue, 500m).Add(c => c.View, view));
        Assert.Single(column.FindAll(".kb-sortable__item"));
        Assert.Equal("Weighted $500", column.Find("[data-testid=weighted-value]").TextContent);

        await column.InvokeAsync(() => column.Instance.Show([Other, Own], 3000m, 1500m));

        Assert.Equal([Other.Id.ToString(), Own.Id.ToString()], column.FindAll(".kb-sortable__item").Select(i => i.GetAttribute("data-id")));
        Assert.Equal("$3,000", column.Find(".kb-column__value").TextContent);
        Assert.Equal("Weighted $1,500", column.Find("[data-testid=weighted-value]").TextContent);
        Assert.Equal("2", column.Find(".kb-column__count").TextContent.Trim());
    }

    [Fact]
    public void A_stage_header_shows_its_count_total_and_a_wip_warning_only_when_over_the_soft_limit()
    {
        var stage = new BoardStage("qualified", "Qualified", StageOutcome.Open, 2, null);
        var over = Render<StageHeader>(p => p.Add(h => h.Stage, stage).Add(h => h.Name, "Qualified").Add(h => h.CardCount, 3).Add(h => h.TotalValue, 12345m));
        Assert.Equal("Qualified", over.Find("h2").TextContent);
        Assert.Equal("3 cards, limit 2", over.Find(".kb-column__count").GetAttribute("aria-label"));
        Assert.Equal("3 / 2", over.Find(".kb-column__count").TextContent.Trim());
        Assert.Equal("soft", over.Find(".kb-column__count").GetAttribute("data-wip"));
        Assert.Equal("$12,345", over.Find(".kb-column__value").TextContent);
        Assert.Equal("over WIP 2", over.Find("[role=note]").TextContent);

        var within = Render<StageHeader>(p => p.Add(h => h.Stage, stage).Add(h => h.Name, "Qualified").Add(h => h.CardCount, 1).Add(h => h.TotalValue, 1m));
        Assert.Empty(within.FindAll("[role=note]"));
        Assert.Equal("ok", within.Find(".kb-column__count").GetAttribute("data-wip"));

        var unlimited = Render<StageHeader>(p => p.Add(h => h.Stage, stage with { WipSoftLimit = null }).Add(h => h.Name, "Qualified").Add(h => h.CardCount, 3).Add(h => h.TotalValue, 1m));
        Assert.Equal("3 cards", unlimited.Find(".kb-column__count").GetAttribute("aria-label"));
        Assert.Equal("3", unlimited.Find(".kb-column__count").TextContent.Trim());
    }

    [Fact]
    public void A_stage_at_its_hard_limit_shows_red_and_counts_against_the_hard_limit()
    {
        var stage = new BoardStage("proposal", "Proposal", StageOutcome.Open, 3, 5);
        var full = Render<StageHeader>(p => p.Add(h => h.Stage, stage).Add(h => h.Name, "Proposal").Add(h => h.CardCount, 5).Add(h => h.TotalValue, 1m));
        Assert.Equal("5 / 5", full.Find(".kb-column__count").TextContent.Trim());
        Assert.Equal("hard", full.Find(".kb-column__count").GetAttribute("data-wip"));
        var busy = Render<StageHeader>(p => p.Add(h => h.Stage, stage).Add(h => h.Name, "Proposal").Add(h => h.CardCount, 4).Add(h => h.TotalValue, 1m));
        Assert.Equal("soft", busy.Find(".kb-column__count").GetAttribute("data-wip"));
    }

    [Fact]
    public void Two_open_boards_hold_one_copy_of_a_stages_figures_and_labels_and_a_language_or_count_has_its_own()
    {
        // Every open board keeps what it renders: the same header in two circuits must be one string, not two.
        var stage = new BoardStage("proposal", "Proposal", StageOutcome.Open, 4, 6);
        string Figures(int count) =>
            Render<StageHeader>(p => p.Add(h => h.Stage, stage).Add(h => h.Name, "Proposal").Add(h => h.CardCount, count).Add(h => h.TotalValue, 1200m))
                .Instance.SharedFigures();
        var text = Services.GetRequiredService<BoardText>();

        var english = Figures(5);
        Assert.Same(english, Figures(5));
        Assert.Contains("5 / 6", english);
        Assert.NotEqual(english, Figures(6));
        Assert.Same(text.OfStage("Stage.AddCard", "Proposal"), text.OfStage("Stage.AddCard", "Proposal"));
        Assert.Equal("Add a card to Proposal", text.OfStage("Stage.AddCard", "Proposal"));

        UseCulture("pt-BR");
        Assert.NotEqual(english, Figures(5));
        Assert.Same(Figures(5), Figures(5));
        Assert.Equal("Adicionar um cartão em Proposta", text.OfStage("Stage.AddCard", "Proposta"));
    }

    [Fact]
    public void Default_stage_names_are_translated_but_a_name_an_admin_chose_is_kept()
    {
        UseCulture("pt-BR");
        var text = Services.GetRequiredService<BoardText>();
        Assert.Equal("Negociação", text.StageName("lead", new BoardStage("negotiation", "Negotiation", StageOutcome.Open, null, null)));
        Assert.Equal("Fechado ganho", text.StageName("opportunity", new BoardStage("closed_won", "Closed won", StageOutcome.Won, null, null)));
        Assert.Equal("Big deals", text.StageName("lead", new BoardStage("negotiation", "Big deals", StageOutcome.Open, null, null)));
    }

    [Fact]
    public void A_stale_move_is_refused_with_who_moved_the_card_where_and_when_in_the_viewers_language()
    {
        var decision = MoveDecision.Refuse(MoveRefusal.StaleVersion, "english",
            new LastMove("Morgan Acme", "Proposal", new DateTimeOffset(2026, 11, 21, 15, 4, 5, TimeSpan.Zero), "proposal"));
        var text = Services.GetRequiredService<BoardText>();
        var saoPaulo = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");
        string? Name(string key) => key == "proposal" ? "Proposal" : null;

        Assert.Equal("Morgan Acme moved this card to Proposal at 12:04:05 PM, after you loaded the board. The board has been refreshed.",
            text.Refusal(decision, Name, saoPaulo).Replace('\u202F', ' '));
        UseCulture("pt-BR");
        Assert.Equal("Morgan Acme moveu este cartão para Proposta às 12:04:05, depois que você carregou o quadro. O quadro foi atualizado.",
            text.Refusal(decision, key => key == "proposal" ? "Proposta" : null, saoPaulo));
        Assert.Equal("Você não tem permissão para mover este cartão.",
            text.Refusal(MoveDecision.Refuse(MoveRefusal.NotPermitted, "english"), Name, saoPaulo));
    }

    [Fact]
    public void A_cards_spoken_name_carries_its_value_owner_and_next_action()
    {
        var text = Services.GetRequiredService<BoardText>();
        var card = Own with { NextActionAt = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero), NextActionDetails = "Call back" };
        Assert.Equal("Own card, $1,000, owner Riley, overdue next action Call back, due 11/20/2026 9:00 AM",
            text.CardLabel(card, new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc).Replace('\u202F', ' '));
    }
}
