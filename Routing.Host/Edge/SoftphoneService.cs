using System.Threading.Channels;
using Akka.Actor;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Grpc.Core;
using AgentSkill = CallCenter.Routing.Model.AgentSkill;

namespace CallCenter.Routing.Host.Edge;

/// <summary>The softphones' service: each call maps the request to an agent command and the outcome to a reply or a status.</summary>
public sealed class SoftphoneService(DomainClient domain, AgentProfiles profiles) : Softphone.SoftphoneBase
{
    public override Task<CommandReply> LogIn(LogInRequest request, ServerCallContext context) => Run(context, () =>
    {
        var agent = Agent(request.AgentId);
        var stored = profiles.Find(agent);
        IReadOnlyList<AgentSkill> skills;
        AgentId? backup;
        if (request.Skills.Count > 0)
        {
            skills = request.Skills.ToCore("skills");
            if (profiles.CheckSkills(skills) is { } problem)
            {
                throw RequestChecks.Invalid(problem.Field, problem.Message);
            }

            backup = RequestChecks.OptionalId(request.BackupAgentId, "backup_agent_id") is { } named ? new AgentId(named) : null;
        }
        else
        {
            var profile = stored ?? throw new BadRequestException(StatusCode.NotFound, "skills", $"none given and agent '{agent}' has no stored profile");
            skills = profile.Skills;
            backup = RequestChecks.OptionalId(request.BackupAgentId, "backup_agent_id") is { } named ? new AgentId(named) : profile.Backup;
        }

        return (new AgentProtocol.LogIn(agent, skills, backup), "");
    });

    public override Task<CommandReply> SetState(SetStateRequest request, ServerCallContext context) => Run(context, () =>
    {
        var agent = Agent(request.AgentId);
        object command = request.StateCase switch
        {
            SetStateRequest.StateOneofCase.Available => new AgentProtocol.MakeAvailable(agent),
            SetStateRequest.StateOneofCase.NotReady => new AgentProtocol.GoNotReady(agent, Reason(request.NotReady)),
            SetStateRequest.StateOneofCase.LoggedOut => new AgentProtocol.LogOut(agent),
            _ => throw RequestChecks.Invalid("state", "one of available, not_ready, logged_out is required"),
        };
        return (command, "");
    });

    public override Task<CommandReply> SetAfterCall(SetStateRequest request, ServerCallContext context) => Run(context, () =>
    {
        var agent = Agent(request.AgentId);
        var next = request.StateCase switch
        {
            SetStateRequest.StateOneofCase.Available => AfterCall.Available,
            SetStateRequest.StateOneofCase.NotReady => AfterCall.NotReady(Reason(request.NotReady)),
            SetStateRequest.StateOneofCase.LoggedOut => AfterCall.LoggedOut,
            _ => throw RequestChecks.Invalid("state", "one of available, not_ready, logged_out is required"),
        };
        return (new AgentProtocol.SetAfterCall(agent, next), "");
    });

    public override Task<CommandReply> LogOut(AgentRequest request, ServerCallContext context) =>
        Run(context, () => (new AgentProtocol.LogOut(Agent(request.AgentId)), ""));

    public override Task<CommandReply> Heartbeat(AgentRequest request, ServerCallContext context) =>
        Run(context, () => (new AgentProtocol.Heartbeat(Agent(request.AgentId)), ""));

    public override Task<CommandReply> AcceptOffer(OfferAnswer request, ServerCallContext context) =>
        Run(context, () => (new AgentProtocol.Accept(Agent(request.AgentId), Call(request.CallId), request.Epoch), ""));

    public override Task<CommandReply> RejectOffer(OfferAnswer request, ServerCallContext context) =>
        Run(context, () => (new AgentProtocol.Reject(Agent(request.AgentId), Call(request.CallId), request.Epoch), ""));

    public override Task<CommandReply> EndCall(CallRequest request, ServerCallContext context) =>
        Run(context, () => (new AgentProtocol.HangUp(Agent(request.AgentId), Call(request.CallId)), ""));

    public override Task<CommandReply> FinishWrapUp(FinishWrapUpRequest request, ServerCallContext context) => Run(context, () =>
    {
        var agent = Agent(request.AgentId);
        var call = RequestChecks.OptionalId(request.CallId, "call_id");
        var disposition = RequestChecks.OptionalId(request.DispositionCode, "disposition_code");
        var notes = RequestChecks.OptionalText(request.Notes, "notes");
        if (request.HasSatisfactionScore && request.SatisfactionScore is < 1 or > 5)
        {
            throw RequestChecks.Invalid("satisfaction_score", "must be between 1 and 5");
        }

        if (call is null && (disposition is not null || notes is not null || request.HasSatisfactionScore || request.Complaint))
        {
            throw RequestChecks.Invalid("call_id", "is required with a disposition, notes, a score or a complaint");
        }

        var wrapUp = call is null
            ? null
            : new CallDisposition(
                new CallId(call), agent, disposition, notes, request.HasSatisfactionScore ? request.SatisfactionScore : null, request.Complaint);
        return (new AgentProtocol.FinishWrapUp(agent) { Disposition = wrapUp }, "");
    });

    public override Task<CommandReply> RequestTransfer(AgentTransferRequest request, ServerCallContext context) => Run(context, () =>
        (GatewayEvents.ToTransfer(request.CallId, request.AgentId, request.Kind, request.ToQueueId, request.ToAgentId, "", "agent_id"), ""));

    public override async Task Subscribe(AgentRequest request, IServerStreamWriter<AgentUpdate> responseStream, ServerCallContext context)
    {
        var agent = RequestChecks.Checked(() => Agent(request.AgentId));

        var updates = Channel.CreateUnbounded<AgentUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var subscriber = domain.System.ActorOf(SoftphoneStreamActor.Props(updates.Writer));
        try
        {
            await domain.Execute(new AgentProtocol.Subscribe(agent, subscriber), "", context.CancellationToken);
            await foreach (var update in updates.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(update, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The softphone went away.
        }
        finally
        {
            domain.System.Stop(subscriber);
        }
    }

    private async Task<CommandReply> Run(ServerCallContext context, Func<(object Command, string Prefix)> map)
    {
        var request = RequestChecks.Checked(map);

        var changed = await domain.Execute(request.Command, request.Prefix, context.CancellationToken);
        return new CommandReply { Changed = changed };
    }

    private static AgentId Agent(string id) => new(RequestChecks.Id(id, "agent_id"));

    private static CallId Call(string id) => new(RequestChecks.Id(id, "call_id"));

    private static string Reason(NotReady notReady) => RequestChecks.Id(notReady.Reason, "not_ready.reason");
}
