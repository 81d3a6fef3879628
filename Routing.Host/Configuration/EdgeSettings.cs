using CallCenter.Routing.Admission;
using CallCenter.Routing.Configuration;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>The "Edge" section of appsettings.json: how the gRPC services meet gateways, softphones and operators.</summary>
public sealed class EdgeSettings
{
    /// <summary>The tier of a call whose gateway names none.</summary>
    public string DefaultTier { get; set; } = "Standard";

    /// <summary>Dialed number to queue, for gateways that report the number rather than the queue.</summary>
    public Dictionary<string, string> DialedNumbers { get; set; } = [];

    /// <summary>How long an RPC waits for the routing domain before it answers UNAVAILABLE.</summary>
    public double RequestTimeoutSeconds { get; set; } = 5;

    /// <summary>Events of one gateway stream being carried out at once; the stream is read no further until one ends.</summary>
    public int MaxEventsInFlight { get; set; } = 2_000;

    /// <summary>Commands of one softphone session being carried out at once; the session is read no further until one ends.</summary>
    public int MaxCommandsInFlight { get; set; } = 64;

    /// <summary>Event ids remembered per gateway, so a resent event is answered again and changes nothing.</summary>
    public int RememberedEventIds { get; set; } = 200_000;

    /// <summary>
    /// How long an accepted gateway event's id is remembered in the database, so that its resend after
    /// a restart is still a duplicate: the longest a gateway may take to resend.
    /// </summary>
    public double EventIdRetentionMinutes { get; set; } = 15;

    /// <summary>At a graceful stop, how long new calls are refused (and the rest carried out) before the streams end.</summary>
    public double ShutdownDrainSeconds { get; set; } = 3;

    /// <summary>How far a call's <c>arrived_at</c> may be ahead of the server's clock (it is then taken as now).</summary>
    public double ArrivalClockSkewSeconds { get; set; } = 2;

    /// <summary>How old a call's <c>arrived_at</c> may be: a gateway holds calls for at most this long.</summary>
    public double MaxArrivalAgeMinutes { get; set; } = 60;

    /// <summary>Call updates held for a gateway while it is disconnected, delivered when it returns.</summary>
    public int HeldUpdatesPerGateway { get; set; } = 10_000;

    /// <summary>The largest message a client may send.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Refuse a share of new calls (RESOURCE_EXHAUSTED) once routing has lagged more than
    /// <see cref="OverloadLagMilliseconds"/> for <see cref="OverloadSeconds"/>: cut to
    /// <see cref="OverloadCut"/> of itself at each probe that still lags, <see cref="OverloadRecovery"/>
    /// more admitted at each that does not. The calls already
    /// accepted are served. Off, an overloaded server accepts every call and falls further behind.
    /// </summary>
    public bool RefuseArrivalsWhenOverloaded { get; set; } = true;

    public double OverloadLagMilliseconds { get; set; } = 500;
    public double OverloadSeconds { get; set; } = 1;

    /// <summary>The part of the admitted share kept at each cut.</summary>
    public double OverloadCut { get; set; } = 0.5;

    /// <summary>The share of new calls admitted again at each probe that does not lag.</summary>
    public double OverloadRecovery { get; set; } = 0.01;

    /// <summary>How often the lag of routing is measured.</summary>
    public double OverloadProbeMilliseconds { get; set; } = 100;

    /// <summary>What agents log in with when their softphones name no skills.</summary>
    public List<AgentProfileSettings> AgentProfiles { get; set; } = [];

    /// <summary>The "Edge" section; overload settings that would break the gate are refused, naming the field.</summary>
    public static EdgeSettings Load(IConfiguration configuration)
    {
        var settings = SettingsBinding.Read<EdgeSettings>(configuration, "Edge");
        var errors = settings.OverloadErrors().ToList();
        return errors.Count == 0 ? settings : throw new InvalidConfigurationException(errors);
    }

    private IEnumerable<ConfigurationError> OverloadErrors()
    {
        if (!(OverloadLagMilliseconds > 0))
        {
            yield return new ConfigurationError("Edge:OverloadLagMilliseconds", "must be more than 0");
        }

        if (!(OverloadSeconds >= 0))
        {
            yield return new ConfigurationError("Edge:OverloadSeconds", "must be 0 or more");
        }

        if (!(OverloadCut > 0 && OverloadCut < 1))
        {
            yield return new ConfigurationError("Edge:OverloadCut", "must be more than 0 and less than 1");
        }

        if (!(OverloadRecovery > 0 && OverloadRecovery <= 1))
        {
            yield return new ConfigurationError("Edge:OverloadRecovery", "must be more than 0 and at most 1");
        }

        if (!(ShutdownDrainSeconds >= 0))
        {
            yield return new ConfigurationError("Edge:ShutdownDrainSeconds", "must be 0 or more");
        }

        if (!(ArrivalClockSkewSeconds >= 0))
        {
            yield return new ConfigurationError("Edge:ArrivalClockSkewSeconds", "must be 0 or more");
        }

        if (!(MaxArrivalAgeMinutes > 0))
        {
            yield return new ConfigurationError("Edge:MaxArrivalAgeMinutes", "must be more than 0");
        }

        if (!(EventIdRetentionMinutes > 0))
        {
            yield return new ConfigurationError("Edge:EventIdRetentionMinutes", "must be more than 0");
        }

        if (!(OverloadProbeMilliseconds > 0))
        {
            yield return new ConfigurationError("Edge:OverloadProbeMilliseconds", "must be more than 0");
        }
    }

    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(RequestTimeoutSeconds);

    public TimeSpan EventIdRetention => TimeSpan.FromMinutes(EventIdRetentionMinutes);

    public OverloadSettings Overload =>
        new(TimeSpan.FromMilliseconds(OverloadLagMilliseconds), TimeSpan.FromSeconds(OverloadSeconds), OverloadCut, OverloadRecovery);
}

public sealed class AgentProfileSettings
{
    public string AgentId { get; set; } = "";
    public List<AgentSkillSettings> Skills { get; set; } = [];
    public string? Backup { get; set; }
}

public sealed class AgentSkillSettings
{
    public string Skill { get; set; } = "";
    public int Level { get; set; } = 1;
}
