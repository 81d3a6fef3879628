using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Agents.Serialization;
using CallCenter.Routing.Host.Cluster;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Edge;
using CallCenter.Routing.Host.Identity;
using CallCenter.Routing.Host.InteractionLog;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CallCenter.Routing.Host;

/// <summary>Composes the server: configuration, the routing domain, the gRPC services, health and reflection.</summary>
public static class RoutingServer
{
    /// <summary>The actor system's name: the same on every node of a cluster.</summary>
    public const string SystemName = "callcenter";

    /// <param name="args">Settings as <c>--Section:Key=value</c>, and <c>--config FILE</c> (see <see cref="ConfigurationFiles"/>).</param>
    /// <param name="configureAkka">Lets a test give the actor system its own scheduler (virtual time).</param>
    /// <param name="localDomains">
    /// The domains as children of a local actor instead of a cluster's shard region: for an actor
    /// system in virtual time, whose test scheduler drives no cluster's gossip.
    /// </param>
    /// <exception cref="ServerStartException">The named configuration file is missing, or no queue is configured.</exception>
    public static WebApplication Build(string[] args, Action<AkkaConfigurationBuilder>? configureAkka = null, bool localDomains = false)
    {
        var (settings, configFile) = ConfigurationFiles.TakeConfigOption(args);

        // The application's folder, not the working directory: appsettings.json is copied there,
        // and relative paths in the settings mean the same wherever the server is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings, ContentRootPath = AppContext.BaseDirectory });
        var filesRead = ConfigurationFiles.Use(builder.Configuration, configFile);
        var domains = RoutingDomains.Load(
            builder.Configuration, RoutingSettings.Load(builder.Configuration), (path, settings) => RequireQueues(path, settings, filesRead, builder.Environment));
        var routing = domains.Default.Routing;
        var edge = EdgeSettings.Load(builder.Configuration);
        var cluster = ClusterSettings.Load(builder.Configuration);
        var identity = IdentitySettings.Load(builder.Configuration);
        var signingKey = SigningKeys.Resolve(identity);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton<ClientRateLimits>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // The claims by the names the tokens give them (sub, role, domain), not mapped to others.
            options.MapInboundClaims = false;
            options.TokenValidationParameters = EdgeTokens.Validation(identity, signingKey);
            if (identity.Authority is { } authority)
            {
                options.Authority = authority;
            }
        });
        builder.Services.AddSingleton(domains);
        builder.Services.AddSingleton(routing);
        builder.Services.AddSingleton(edge);
        builder.Services.AddSingleton<DomainAdministration>();
        builder.Services.AddSingleton<GatewayRegistry>();
        builder.Services.AddSingleton<GatewayHistory>();
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddSingleton<GatewayEvents>();
        builder.Services.AddSingleton<DomainClient>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OverloadProbe>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OverloadProbe>());
        builder.Services.AddSingleton<LogDurability>();
        builder.Services.AddInteractionLog(builder.Configuration, builder.Environment.ContentRootPath);
        // Between the log (which finds the database) and the actor system (whose domain recovers at once).
        builder.Services.AddHostedService<EdgeRecoveryService>();
        builder.Services.AddAkka(SystemName, (akka, services) =>
        {
            configureAkka?.Invoke(akka);

            // The host stops the actor system (after the gRPC endpoints have drained): a stop signal
            // must not terminate it first, while the endpoints still carry out what they were sent.
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            var database = services.GetRequiredService<LogDatabase>();

            // Each domain rebuilds itself from its own rows of the log and its own configuration changes.
            Props DomainProps(string id)
            {
                var domain = domains[id];
                var configurationJournal = services.GetRequiredService<DomainAdministration>()[id].Journal;
                return RoutingDomainActor.Props(domain.Routing, domain.Settings, new PostgresDomainJournal(database, configurationJournal, id));
            }

            if (localDomains)
            {
                akka.WithLocalRoutingDomains(DomainProps, DomainEvents.DefaultDomain);
            }
            else
            {
                akka.WithRoutingCluster(cluster, SystemName).WithShardedRoutingDomains(
                    DomainProps, DomainEvents.DefaultDomain, domains.Ids, TimeSpan.FromSeconds(1));
            }

            akka.WithRoutingSerialization()
                .WithGatewayUpdates()
                .WithConfigurationNotices()
                .WithInteractionLog();
        });

        // After the actor system: the endpoints open once the domain has recovered.
        builder.Services.AddHostedService<DomainRecoveryService>();
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = edge.MaxMessageBytes;
            options.EnableDetailedErrors = false;
            options.Interceptors.Add<EdgeAuthorization>();
        });
        builder.Services.BindWithCheckedMessages();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck("routing", () => HealthCheckResult.Healthy("routing domain running"))
            .AddCheck<OverloadProbe>("overload")
            .AddCheck<ShutdownDrain>("stopping");

        var app = builder.Build();
        // Fail at start, not at the first login, when a stored profile is wrong.
        app.Services.GetRequiredService<DomainAdministration>();
        app.MapGrpcService<GatewayService>();
        app.MapGrpcService<SoftphoneService>();
        app.MapGrpcService<RoutingStateService>();
        app.MapGrpcService<ReportsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapGet("/", async (DomainAdministration administration, CancellationToken cancellation) =>
        {
            var admin = administration.Default.Admin;
            var current = await admin.Current(cancellation);
            return Results.Text(
                $"CallCenter routing server: {current.Queues.Count} queues, {current.Tiers.Count} tiers, " +
                $"{current.Skills.Count} skills, configuration version {admin.Version}\n");
        });
        app.MapHealthChecks("/health");
        var overload = app.Services.GetRequiredService<OverloadProbe>();
        app.MapGet("/metrics", () => Results.Json(ProcessMetrics.Read() with { CallsRefusedAsOverload = overload.Refused, RoutingLagMilliseconds = overload.LastLag.TotalMilliseconds }));
        var drain = app.Services.GetRequiredService<ShutdownDrain>();
        app.Lifetime.ApplicationStopping.Register(drain.Drain);
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("Routing server listening on {Urls} (gRPC over HTTP/2; /, /health and /metrics over HTTP/1.1)", string.Join(", ", app.Urls)));
        return app;
    }

    /// <summary>
    /// Starts the server's own PostgreSQL (when no connection string is configured), then the
    /// server: a database that cannot start is reported by itself, as a <see cref="ServerStartException"/>,
    /// rather than logged with its stack trace as a failed hosted service.
    /// </summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await app.Services.GetRequiredService<EmbeddedPostgres>().StartIfConfiguredAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
    }

    /// <summary>A server with no queue routes nothing: most likely its settings were not found, so it says which files it read.</summary>
    private static void RequireQueues(string path, RoutingSettings settings, IReadOnlyList<string> filesRead, IHostEnvironment environment)
    {
        if (settings.Queues.Count > 0 || settings.AllowNoQueues)
        {
            return;
        }

        var read = filesRead.Count > 0
            ? "in " + string.Join(", ", filesRead)
            : $"(no configuration file was read: {ConfigurationFiles.ShippedPath(environment)} does not exist)";
        throw new ServerStartException(
            $"no queues configured{(path == "Routing" ? "" : " for " + path)} {read}; add {path}:Queues, name a file with them ({ConfigurationFiles.Option} FILE), " +
            $"or set {path}:AllowNoQueues=true to start without any");
    }
}
