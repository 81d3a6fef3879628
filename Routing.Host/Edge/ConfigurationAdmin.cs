using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Matching;
using Grpc.Core;
using Npgsql;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Changes of the configuration at run time, one at a time, each with the next version number.
/// Each is checked, then recorded in the configuration journal (with when, what, before and after),
/// then applied, so a change that was answered survives a restart and a version is never given
/// twice. A change that changes nothing takes no version. Queues and skills go to the routing
/// domain (which applies them to new calls only); agent profiles stay here and apply at an
/// agent's next login.
/// </summary>
public sealed class ConfigurationAdmin(
    DomainClient domain, string domainId, AgentProfiles profiles, ConfigurationJournal journal, TimeProvider clock)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public long Version => journal.Version;

    public Task<RoutingConfiguration> Current(CancellationToken cancellation) =>
        domain.Ask<RoutingConfiguration>(domainId, DomainProtocol.GetConfiguration.Instance, cancellation);

    public Task<long> PutAgentProfile(StoredAgentProfile profile, CancellationToken cancellation) =>
        Change(async version =>
        {
            var before = profiles.Find(profile.Agent) is { } stored ? Item(stored) : null;
            var after = Item(profile);
            profiles.Check(profile);
            if (!await Record(version, before, after, cancellation))
            {
                return false;
            }

            profiles.Put(profile);
            return true;
        }, cancellation);

    public Task<long> PutSkill(SkillId skill, CancellationToken cancellation) =>
        Change(async version =>
        {
            var current = await Current(cancellation);
            if (current.Skills.Contains(skill))
            {
                return false;
            }

            var next = current with { Version = version, Skills = [.. current.Skills, skill] };
            Check(current, next, "");
            await Record(version, null, new ConfigurationItem { SkillId = skill.Value }, cancellation);
            await Apply(next);
            profiles.UseSkills(next.Skills);
            return true;
        }, cancellation);

    public Task<long> PutQueue(QueueConfig queue, CancellationToken cancellation) =>
        Change(async version =>
        {
            var current = await Current(cancellation);
            var previous = current.Queues.FirstOrDefault(q => q.Id == queue.Id);
            var next = current with { Version = version, Queues = WithQueue(current.Queues, queue) };
            Check(current, next, $"queues[{queue.Id}].");
            if (!await Record(version, previous is null ? null : Item(previous), Item(queue), cancellation))
            {
                return false;
            }

            await Apply(next);
            return true;
        }, cancellation);

    /// <summary>The queues with <paramref name="queue"/> in place of the one of its id, or added at the end.</summary>
    public static IReadOnlyList<QueueConfig> WithQueue(IReadOnlyList<QueueConfig> queues, QueueConfig queue) =>
        queues.Any(q => q.Id == queue.Id) ? queues.Select(q => q.Id == queue.Id ? queue : q).ToList() : [.. queues, queue];

    /// <summary>Runs one change with the next version; the version is taken only if the change is made.</summary>
    private async Task<long> Change(Func<long, Task<bool>> change, CancellationToken cancellation)
    {
        await _oneAtATime.WaitAsync(cancellation);
        try
        {
            // Another node may have made changes since: the next version follows theirs, and so do the profiles.
            try
            {
                await DomainAdmin.CatchUpAsync(journal, profiles, cancellation);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                throw RequestChecks.Unavailable($"the configuration journal cannot be read, so nothing was changed ({e.Message}); retry").ToRpcException();
            }

            // The journal takes the version when it records the change.
            var before = journal.Version;
            await change(before + 1);
            if (journal.Version > before)
            {
                ConfigurationNoticesActor.Publish(domain.System, domainId, journal.Version);
            }

            return journal.Version;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Writes the change to the journal; false when it changes nothing. Once written it is applied
    /// whatever happens to the request: a change recorded and not applied would come back at the next start.
    /// </summary>
    private async Task<bool> Record(long version, ConfigurationItem? before, ConfigurationItem after, CancellationToken cancellation)
    {
        if (after.Equals(before))
        {
            return false;
        }

        cancellation.ThrowIfCancellationRequested();
        var change = new ConfigurationChange { Version = version, ChangedAt = clock.GetUtcNow().ToProto(), Before = before, After = after };
        try
        {
            await journal.RecordAsync(change, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            throw RequestChecks.Unavailable(
                $"the change could not be recorded, so nothing was changed ({e.Message}); retry").ToRpcException();
        }
    }

    /// <summary>Refuses a change the running domain would not take, before anything is recorded.</summary>
    private static void Check(RoutingConfiguration current, RoutingConfiguration next, string queuePrefix)
    {
        var outcome = RoutingEngine.CheckReconfiguration(current, next);
        if (!outcome.Succeeded)
        {
            // The core names fields by their place in the whole configuration; the request holds one queue.
            var field = outcome.Field is { } path && queuePrefix.Length > 0 && path.StartsWith(queuePrefix, StringComparison.Ordinal)
                ? path[queuePrefix.Length..]
                : outcome.Field;
            throw DomainClient.Refusal(outcome with { Field = field }, "", QueueDurations).ToRpcException();
        }
    }

    /// <summary>The queue's durations, which the proto spells in seconds.</summary>
    private static readonly Dictionary<string, string> QueueDurations = new()
    {
        ["serviceLevelThreshold"] = "service_level_threshold_seconds",
        ["expectedHandleTime"] = "expected_handle_time_seconds",
        ["maximumWait"] = "maximum_wait_seconds",
        ["preferredAgentTimeout"] = "preferred_agent_timeout_seconds",
        ["headStart"] = "head_start_seconds",
        ["after"] = "after_seconds",
    };

    private async Task Apply(RoutingConfiguration next)
    {
        var outcome = await domain.Send(domainId, new Dispatch.Reconfigure(next), CancellationToken.None);
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException($"the routing domain refused a checked and recorded change: {outcome.Field}: {outcome.Message}");
        }
    }

    public static ConfigurationItem Item(StoredAgentProfile profile)
    {
        var proto = new Protos.V1.AgentProfile { AgentId = profile.Agent.Value, BackupAgentId = profile.Backup?.Value ?? "" };
        proto.Skills.AddRange(profile.Skills.Select(ProtoMapping.ToProto));
        return new ConfigurationItem { AgentProfile = proto };
    }

    public static ConfigurationItem Item(QueueConfig queue) => new() { Queue = ToQueueDefinition(queue) };

    /// <summary>An agent profile from the operators' API; its fields are checked, its skills are not.</summary>
    public static StoredAgentProfile ToStoredProfile(Protos.V1.AgentProfile request)
    {
        var agent = new AgentId(RequestChecks.Id(request.AgentId, "agent_id"));
        var backup = RequestChecks.OptionalId(request.BackupAgentId, "backup_agent_id");
        return new StoredAgentProfile(agent, request.Skills.ToCore("skills"), backup is null ? null : new AgentId(backup));
    }

    /// <summary>A queue as the operators' API spells it: <see cref="ToQueueConfig"/> gives it back.</summary>
    public static QueueDefinition ToQueueDefinition(QueueConfig queue)
    {
        var definition = new QueueDefinition
        {
            QueueId = queue.Id.Value,
            ExpectedHandleTimeSeconds = queue.ExpectedHandleTime.TotalSeconds,
            WhenFull = queue.WhenFull.ToString(),
            WhenMaximumWait = queue.WhenMaximumWait.ToString(),
            Status = queue.Status.ToString(),
            WhenClosed = queue.WhenClosed.ToString(),
            OverflowQueueId = queue.OverflowQueue?.Value ?? "",
            AgentSelection = queue.AgentSelection.ToString(),
            PreferredAgentTimeoutSeconds = queue.PreferredAgentTimeout.TotalSeconds,
            HeadStartSeconds = queue.HeadStart.TotalSeconds,
            Priority = queue.Priority,
        };
        if (queue.ServiceLevelThreshold is { } threshold)
        {
            definition.ServiceLevelThresholdSeconds = threshold.TotalSeconds;
        }

        if (queue.MaximumSize is { } size)
        {
            definition.MaximumSize = size;
        }

        if (queue.MaximumWait is { } wait)
        {
            definition.MaximumWaitSeconds = wait.TotalSeconds;
        }

        definition.RequiredSkills.AddRange(queue.RequiredSkills.Select(ProtoMapping.ToProto));
        foreach (var step in queue.Relaxation)
        {
            var proto = new Protos.V1.RelaxationStep { AfterSeconds = step.After.TotalSeconds };
            proto.RequiredSkills.AddRange(step.RequiredSkills.Select(ProtoMapping.ToProto));
            definition.Relaxation.Add(proto);
        }

        return definition;
    }

    /// <summary>A queue definition from the operators' API, as the configuration holds it.</summary>
    public static QueueConfig ToQueueConfig(QueueDefinition definition)
    {
        var settings = new QueueSettings
        {
            Id = RequestChecks.Id(definition.QueueId, "queue_id"),
            RequiredSkills = Requirements(definition.RequiredSkills, "required_skills"),
            ServiceLevelThresholdSeconds = definition.HasServiceLevelThresholdSeconds ? definition.ServiceLevelThresholdSeconds : null,
            ExpectedHandleTimeSeconds = definition.HasExpectedHandleTimeSeconds ? definition.ExpectedHandleTimeSeconds : 180,
            MaximumSize = definition.HasMaximumSize ? definition.MaximumSize : null,
            WhenFull = Parse<QueueExitAction>(definition.WhenFull, "when_full"),
            MaximumWaitSeconds = definition.HasMaximumWaitSeconds ? definition.MaximumWaitSeconds : null,
            WhenMaximumWait = Parse<QueueExitAction>(definition.WhenMaximumWait, "when_maximum_wait"),
            Status = Parse<Routing.Configuration.QueueStatus>(definition.Status, "status"),
            WhenClosed = Parse<QueueExitAction>(definition.WhenClosed, "when_closed"),
            OverflowQueue = RequestChecks.OptionalId(definition.OverflowQueueId, "overflow_queue_id"),
            Relaxation = definition.Relaxation.Select((step, i) => new RelaxationSettings
            {
                AfterSeconds = step.AfterSeconds,
                RequiredSkills = Requirements(step.RequiredSkills, $"relaxation[{i}].required_skills"),
            }).ToList(),
            AgentSelection = Parse<AgentSelection>(definition.AgentSelection, "agent_selection"),
            PreferredAgentTimeoutSeconds = definition.HasPreferredAgentTimeoutSeconds ? definition.PreferredAgentTimeoutSeconds : 20,
            HeadStartSeconds = definition.HeadStartSeconds,
            Priority = definition.Priority,
        };
        RequestChecks.Count(definition.Relaxation.Count, "relaxation");
        return settings.ToConfig();
    }

    private static List<SkillRequirementSettings> Requirements(IList<Protos.V1.SkillRequirement> requirements, string field)
    {
        RequestChecks.Count(requirements.Count, field);
        return requirements.Select((r, i) => new SkillRequirementSettings
        {
            Skill = RequestChecks.Id(r.SkillId, $"{field}[{i}].skill_id"),
            MinimumLevel = r.MinimumLevel,
        }).ToList();
    }

    private static T Parse<T>(string name, string field) where T : struct, Enum =>
        string.IsNullOrEmpty(name) ? default
        : Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(name, out _) ? value
        : throw RequestChecks.Invalid(field, $"must be one of {string.Join(", ", Enum.GetNames<T>())}");
}
