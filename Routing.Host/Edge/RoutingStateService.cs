using System.Threading.Channels;
using Akka.Actor;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Agents.Queues;
using CallCenter.Routing.Configuration;
using QueueStatus = CallCenter.Protos.V1.QueueStatus;
using CallCenter.Routing.Model;
using CallCenter.Routing.Operations;
using CallCenter.Routing.Host.InteractionLog;
using Grpc.Core;
using Npgsql;
using Status = Grpc.Core.Status;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// The operators' service: reads from the queues and the state view, watches, and administers the
/// configuration and agent profiles, of the routing domain each request names (<see cref="DomainClient.DomainHeader"/>).
/// </summary>
public sealed class RoutingStateService(DomainClient domain, DomainAdministration administration, ShutdownDrain drain)
    : RoutingState.RoutingStateBase
{
    public override async Task<ListQueuesReply> ListQueues(ListQueuesRequest request, ServerCallContext context)
    {
        var domainId = domain.DomainOf(context);
        var reply = new ListQueuesReply();
        var routing = await administration[domainId].Admin.Current(context.CancellationToken);
        var queues = await Task.WhenAll(routing.Queues.Select(q => Queue(domainId, q.Id, context.CancellationToken)));
        reply.Queues.AddRange(queues);
        return reply;
    }

    public override async Task<QueueStatus> GetQueue(GetQueueRequest request, ServerCallContext context)
    {
        var domainId = domain.DomainOf(context);
        var queue = new QueueId(RequestChecks.Checked(() => RequestChecks.Id(request.QueueId, "queue_id")));
        var routing = await administration[domainId].Admin.Current(context.CancellationToken);
        if (routing.Queues.All(q => q.Id != queue))
        {
            throw RequestChecks.NotFound("queue_id", $"unknown queue '{queue}'").ToRpcException();
        }

        return await Queue(domainId, queue, context.CancellationToken);
    }

    public override async Task<AgentView> GetAgent(GetAgentRequest request, ServerCallContext context)
    {
        var agent = new AgentId(RequestChecks.Checked(() => RequestChecks.Id(request.AgentId, "agent_id")));
        var reply = await domain.Ask<StateViewProtocol.AgentReply>(domain.DomainOf(context), new StateViewProtocol.GetAgent(agent), context.CancellationToken);
        return reply.Agent?.ToProto() ?? throw RequestChecks.NotFound("agent_id", $"agent '{agent}' has never logged in").ToRpcException();
    }

    public override async Task<Protos.V1.CallHistory> GetCall(GetCallRequest request, ServerCallContext context)
    {
        var call = new CallId(RequestChecks.Checked(() => RequestChecks.Id(request.CallId, "call_id")));
        var reply = await domain.Ask<StateViewProtocol.CallHistoryReply>(domain.DomainOf(context), new StateViewProtocol.GetCallHistory(call), context.CancellationToken);
        return reply.History?.ToProto() ?? throw RequestChecks.NotFound("call_id", $"call '{call}' is not in the live view: it never arrived, or it ended and has left the view (the interaction log keeps it: Reports.ExplainCall)").ToRpcException();
    }

    public override async Task<Snapshot> GetSnapshot(GetSnapshotRequest request, ServerCallContext context)
    {
        var snapshot = await domain.Ask<StateSnapshot>(domain.DomainOf(context), StateViewProtocol.GetSnapshot.Instance, context.CancellationToken);
        return snapshot.ToProto();
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchUpdate> responseStream, ServerCallContext context)
    {
        var domainId = domain.DomainOf(context);
        if (request.ResumeAfter < 0)
        {
            throw RequestChecks.Invalid("resume_after", "must not be negative").ToRpcException();
        }

        var updates = Channel.CreateUnbounded<WatchUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var watcher = domain.System.ActorOf(StateWatcherActor.Props(updates.Writer));
        domain.Tell(domainId, new StateViewProtocol.StartWatching(watcher, request.ResumeAfter));
        try
        {
            using var live = drain.Link(context.CancellationToken);
            await foreach (var update in updates.Reader.ReadAllAsync(live.Token))
            {
                await responseStream.WriteAsync(update, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away.
        }
        catch (OperationCanceledException) when (drain.StreamsEnd.IsCancellationRequested)
        {
            throw ShutdownDrain.Unavailable();
        }
        finally
        {
            domain.System.Stop(watcher);
        }
    }

    public override async Task<ConfigurationView> GetConfiguration(GetConfigurationRequest request, ServerCallContext context) =>
        await Configuration(Administered(context), context.CancellationToken);

    public override async Task<ConfigurationView> PutAgentProfile(Protos.V1.AgentProfile request, ServerCallContext context)
    {
        var administered = Administered(context);
        var profile = RequestChecks.Checked(() =>
        {
            var stored = ConfigurationAdmin.ToStoredProfile(request);
            return administered.Profiles.CheckSkills(stored.Skills) is { } problem ? throw RequestChecks.Invalid(problem.Field, problem.Message) : stored;
        });
        await administered.Admin.PutAgentProfile(profile, context.CancellationToken);
        return await Configuration(administered, context.CancellationToken);
    }

    public override async Task<ConfigurationView> PutQueue(QueueDefinition request, ServerCallContext context)
    {
        var administered = Administered(context);
        var queue = RequestChecks.Checked(() => ConfigurationAdmin.ToQueueConfig(request));
        await administered.Admin.PutQueue(queue, context.CancellationToken);
        return await Configuration(administered, context.CancellationToken);
    }

    public override async Task<ConfigurationView> PutSkill(PutSkillRequest request, ServerCallContext context)
    {
        var administered = Administered(context);
        var skill = new SkillId(RequestChecks.Checked(() => RequestChecks.Id(request.SkillId, "skill_id")));
        await administered.Admin.PutSkill(skill, context.CancellationToken);
        return await Configuration(administered, context.CancellationToken);
    }

    private DomainAdmin Administered(ServerCallContext context) => administration[domain.DomainOf(context)];

    public override async Task<ListConfigurationChangesReply> ListConfigurationChanges(
        ListConfigurationChangesRequest request, ServerCallContext context)
    {
        var limit = RequestChecks.Checked(() => request switch
        {
            { AfterVersion: < 0 } => throw RequestChecks.Invalid("after_version", "must not be negative"),
            { Limit: < 0 or > MaxChangesListed } => throw RequestChecks.Invalid("limit", $"must be between 0 and {MaxChangesListed}"),
            { Limit: 0 } => DefaultChangesListed,
            _ => request.Limit,
        });
        var journal = Administered(context).Journal;
        var reply = new ListConfigurationChangesReply();
        try
        {
            reply.Changes.AddRange(await journal.ReadAsync(request.AfterVersion, limit, context.CancellationToken));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            throw RequestChecks.Unavailable($"the configuration journal cannot be read ({e.Message}); retry").ToRpcException();
        }

        return reply;
    }

    private const int DefaultChangesListed = 100;
    private const int MaxChangesListed = 1000;

    private static async Task<ConfigurationView> Configuration(DomainAdmin administered, CancellationToken cancellation)
    {
        var routing = await administered.Admin.Current(cancellation);
        var view = new ConfigurationView { Version = administered.Admin.Version };
        view.QueueIds.AddRange(routing.Queues.Select(q => q.Id.Value));
        view.TierIds.AddRange(routing.Tiers.Select(t => t.Id.Value));
        view.SkillIds.AddRange(routing.Skills.Select(s => s.Value));
        foreach (var profile in administered.Profiles.All)
        {
            var proto = new Protos.V1.AgentProfile { AgentId = profile.Agent.Value, BackupAgentId = profile.Backup?.Value ?? "" };
            proto.Skills.AddRange(profile.Skills.Select(ProtoMapping.ToProto));
            view.AgentProfiles.Add(proto);
        }

        return view;
    }

    private async Task<QueueStatus> Queue(string domainId, QueueId queue, CancellationToken cancellation)
    {
        var snapshot = await domain.Ask<QueueProtocol.QueueSnapshot>(domainId, new QueueProtocol.GetSnapshot(queue), cancellation);
        var statistics = snapshot.Statistics;
        var status = new QueueStatus
        {
            QueueId = queue.Value,
            Waiting = snapshot.Now?.Waiting ?? statistics.InQueue,
            LongestWait = (snapshot.Now?.LongestWait ?? TimeSpan.Zero).ToProto(),
            AgentsAvailable = snapshot.Now?.AgentsIdle ?? 0,
            AgentsStaffed = snapshot.Now?.AgentsStaffed ?? 0,
            Offered = statistics.Entered,
            Answered = statistics.Answered,
            Abandoned = statistics.Abandoned,
            ServiceLevelThreshold = statistics.ServiceLevelThreshold.ToProto(),
            AverageSpeedOfAnswer = (statistics.AverageSpeedOfAnswer ?? TimeSpan.Zero).ToProto(),
        };
        if (statistics.ServiceLevel is { } level)
        {
            status.ServiceLevel = level;
        }

        return status;
    }
}
