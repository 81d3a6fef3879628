using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Lifecycle;

namespace CallCenter.Routing.Host.Configuration;

/// <summary>The "Routing:Timing" section: the timers of agents and calls, in seconds.</summary>
public sealed class TimingSettings
{
    public double RingTimeoutSeconds { get; set; } = 20;
    public double WrapUpSeconds { get; set; } = 30;
    public double HeartbeatTimeoutSeconds { get; set; } = 30;
    public double SoftphoneGraceSeconds { get; set; } = 30;
    public double AnnouncementIntervalSeconds { get; set; } = 30;
    public double TransferTimeoutSeconds { get; set; } = 60;

    /// <summary>How long an ended call is kept so that repeated events about it are answered as repeats.</summary>
    public double EndedCallRetentionSeconds { get; set; } = 300;

    public static TimingSettings Load(IConfiguration configuration) =>
        SettingsBinding.Read<TimingSettings>(configuration, "Routing:Timing");

    /// <param name="section">Where these settings were read, for the errors' paths.</param>
    public DomainSettings ToDomainSettings(string section = "Routing:Timing")
    {
        var errors = new List<ConfigurationError>();
        TimeSpan Positive(double seconds, string field, bool zeroAllowed = false)
        {
            if (double.IsNaN(seconds) || seconds < 0 || (!zeroAllowed && seconds == 0) || seconds > TimeSpan.FromDays(1).TotalSeconds)
            {
                errors.Add(new ConfigurationError($"{section}:{field}", zeroAllowed ? "must be between 0 and one day" : "must be more than 0 and at most one day"));
                return TimeSpan.Zero;
            }

            return TimeSpan.FromSeconds(seconds);
        }

        var settings = new DomainSettings
        {
            Agents = new AgentSettings
            {
                RingTimeout = Positive(RingTimeoutSeconds, nameof(RingTimeoutSeconds)),
                HeartbeatTimeout = Positive(HeartbeatTimeoutSeconds, nameof(HeartbeatTimeoutSeconds)),
                SoftphoneGracePeriod = Positive(SoftphoneGraceSeconds, nameof(SoftphoneGraceSeconds), zeroAllowed: true),
                Policy = new AgentPolicy { WrapUpDuration = Positive(WrapUpSeconds, nameof(WrapUpSeconds), zeroAllowed: true) },
            },
            AnnouncementInterval = Positive(AnnouncementIntervalSeconds, nameof(AnnouncementIntervalSeconds)),
            TransferTimeout = Positive(TransferTimeoutSeconds, nameof(TransferTimeoutSeconds)),
            EndedCallRetention = Positive(EndedCallRetentionSeconds, nameof(EndedCallRetentionSeconds)),
        };
        return errors.Count == 0 ? settings : throw new InvalidConfigurationException(errors);
    }
}
