using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Configuration;

namespace CallCenter.Routing.Host;

/// <summary>Composes the server: configuration, the routing engine, the endpoints.</summary>
public static class RoutingServer
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var routing = RoutingSettings.Load(builder.Configuration).ToConfiguration().EnsureValid();
        builder.Services.AddSingleton(routing);
        builder.Services.AddAkka("callcenter", akka => akka.WithRoutingDomain(routing));

        var app = builder.Build();
        app.MapGet("/", () => Results.Text(
            $"CallCenter routing server: {routing.Queues.Count} queues, {routing.Tiers.Count} tiers, " +
            $"{routing.Skills.Count} skills, configuration version {routing.Version}\n"));
        app.MapGet("/health", () => Results.Text("Healthy\n"));
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("Routing server listening on {Urls}", string.Join(", ", app.Urls)));
        return app;
    }
}
