using Bunit;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Tests.Integration;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using Xunit;

namespace KanbanBlazor.Tests.Components;

/// <summary>The card dialog's form against a real board: each field's problem shown beside it in the
/// user's language, nothing saved until the draft is right.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CardDialogTests : ComponentTest
{
    // The dialog reads and writes a real database: a busy machine can take longer than bUnit's one second.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TestDatabase database;

    public CardDialogTests(TestDatabase database)
    {
        this.database = database;
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        Services.AddSingleton(hub);
        Services.AddSingleton(new CardWrites(new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System), database.KanbanFactory(), NullLogger<CardWrites>.Instance));
        Services.AddSingleton(new EditLocks(database.KanbanFactory(), TimeProvider.System));
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
    }

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> OpenNewCardAsync(TestTenant tenant, TenantRole role)
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<CardDialog>
        {
            { d => d.Tenant, tenant.As(role) },
            { d => d.EntityType, "lead" },
            { d => d.Stage, "new" },
            { d => d.StageLabel, "Novo" },
        };
        var dialog = await provider.InvokeAsync(() => dialogs.ShowAsync<CardDialog>("Novo cartão", parameters));
        await provider.WaitForAssertionAsync(() => Assert.NotEmpty(provider.FindAll("[data-testid=card-form]")), Patience);
        return (provider, dialog);
    }

    private static void Type(IRenderedComponent<MudDialogProvider> provider, string label, string value)
    {
        var id = provider.FindAll("label").Single(l => l.TextContent.Trim().TrimEnd('*').Trim() == label).GetAttribute("for");
        var input = provider.Find($"input#{id}");
        // Immediate fields (the name) hear every keystroke; the others hear the change when leaving the field.
        if (input.HasAttribute("blazor:oninput") && !input.HasAttribute("blazor:onchange")) input.Input(value);
        else input.Change(value);
    }

    private async Task<int> CardCountAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.CountAsync();
    }

    [Fact]
    public async Task Bad_fields_are_shown_beside_each_field_in_portuguese_and_nothing_is_saved()
    {
        UseCulture("pt-BR");
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var (provider, _) = await OpenNewCardAsync(tenant, TenantRole.SalesRep);

        Type(provider, "E-mail", "miles@");
        Type(provider, "Telefone", "ligue já");
        provider.Find("button[data-testid=card-save]").Click();

        await provider.WaitForAssertionAsync(() => Assert.Contains("Alguns campos precisam de atenção", provider.Find("[data-testid=card-problem]").TextContent), Patience);
        var notes = provider.FindAll(".mud-input-helper-text, .mud-input-error").Select(e => e.TextContent.Trim()).Where(t => t.Length > 0).ToList();
        Assert.Contains("Obrigatório", notes);
        Assert.Contains("Não é um endereço de e-mail (nome@exemplo.com)", notes);
        Assert.Contains("Apenas dígitos, espaços, +, -, ( ) e pontos", notes);
        Assert.Equal(5, await CardCountAsync(tenant));
    }

    [Fact]
    public async Task A_right_draft_is_saved_and_the_dialog_closes_with_what_was_done()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var (provider, dialog) = await OpenNewCardAsync(tenant, TenantRole.SalesRep);

        Type(provider, "Name", "Massive Dynamic");
        Type(provider, "Email", "nina@massive.example");
        provider.Find("button[data-testid=card-save]").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("Massive Dynamic added to Novo", result!.Data);
        Assert.Equal(6, await CardCountAsync(tenant));
        await using var db = await database.OwnerContextAsync(tenant.Id);
        var card = await db.Cards.SingleAsync(c => c.Title == "Massive Dynamic");
        Assert.Equal(("nina@massive.example", tenant.As(TenantRole.SalesRep).UserId), (card.Email, card.OwnerId));
    }
}
