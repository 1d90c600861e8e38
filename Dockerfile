# KanbanBlazor: multi-stage build. Needs a machine with a Docker engine and the full NuGet and npm
# feeds; it expects an external PostgreSQL given by connection strings (see README, "Deploying").
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props KanbanBlazor.sln ./
COPY build/ build/
COPY KanbanBlazor.Core/KanbanBlazor.Core.csproj KanbanBlazor.Core/
COPY KanbanBlazor.Web/KanbanBlazor.Web.csproj KanbanBlazor.Web/package.json KanbanBlazor.Web/package-lock.json KanbanBlazor.Web/
RUN dotnet restore KanbanBlazor.Web/KanbanBlazor.Web.csproj
COPY KanbanBlazor.Core/ KanbanBlazor.Core/
COPY KanbanBlazor.Web/ KanbanBlazor.Web/
RUN dotnet publish KanbanBlazor.Web/KanbanBlazor.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
USER app
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsS http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "KanbanBlazor.Web.dll"]
