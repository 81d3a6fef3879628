using System.CommandLine;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Identity;

namespace CallCenter.Routing.Host.Commands;

/// <summary>
/// <c>token --role agent --subject a-17</c>: a token signed with the server's key (the configured
/// one, or the development key in its data folder), for the demo, the load generator and people
/// trying the server. The same settings as the server's: <c>--config FILE</c> and <c>--Section:Key=value</c>.
/// </summary>
public static class TokenCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var (rest, configFile) = ConfigurationFiles.TakeConfigOption(args);
        // Settings are --Section:Key=value, as the server's; the rest is the command's own.
        var settings = rest.Where(IsSetting).ToArray();
        var role = new Option<EdgeRole>("--role") { Description = "gateway, agent, supervisor or admin", Required = true };
        var subject = new Option<string>("--subject") { Description = "the gateway id, agent id or person the token is for", Required = true };
        var domain = new Option<string?>("--domain") { Description = "the one routing domain the token is for (none: every domain)" };
        var hours = new Option<double>("--hours") { Description = "how long the token is valid", DefaultValueFactory = _ => 8 };
        var emergency = new Option<bool>("--emergency") { Description = "a gateway that may flag calls as emergencies" };
        var command = new RootCommand("Issues a token for the routing server's gRPC services") { role, subject, domain, hours, emergency };

        var parsed = command.Parse(rest.Where(a => !IsSetting(a)).ToArray());
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"token: {problem.Message}");
            }

            return 2;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings, ContentRootPath = AppContext.BaseDirectory });
        ConfigurationFiles.Use(builder.Configuration, configFile);
        var identity = IdentitySettings.Load(builder.Configuration);
        var key = SigningKeys.Resolve(identity);
        if (key is null)
        {
            error.WriteLine($"token: {IdentitySettings.Section}:Authority is set: tokens come from that issuer, not from this command");
            return 2;
        }

        var lifetime = parsed.GetValue(hours);
        if (lifetime is <= 0 or > 24 * 366)
        {
            error.WriteLine("token: --hours must be above 0 and at most a year");
            return 2;
        }

        output.WriteLine(EdgeTokens.Issue(
            identity, key, parsed.GetValue(role), parsed.GetValue(subject)!, parsed.GetValue(domain), TimeSpan.FromHours(lifetime), DateTimeOffset.UtcNow,
            parsed.GetValue(emergency)));
        return 0;
    }

    private static bool IsSetting(string argument) => argument.StartsWith("--", StringComparison.Ordinal) && argument.Contains(':', StringComparison.Ordinal);
}
