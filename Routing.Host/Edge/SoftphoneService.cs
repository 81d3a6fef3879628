using CallCenter.Routing.Host.Identity;
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
public sealed class SoftphoneService(
    DomainClient domain, DomainAdministration administration, Configuration.EdgeSettings settings, IdentitySettings identity, ShutdownDrain drain)
    : Softphone.SoftphoneBase
{
    public override Task<CommandReply> LogIn(LogInRequest request, ServerCallContext context) => Run(context, domainId =>
    {
        var profiles = administration[domainId].Profiles;
        var agent = SoftphoneCommands.Agent(request.AgentId, null);
        var stored = profiles.Find(agent);
        IReadOnlyList<AgentSkill> skills;
        AgentId? backup;
        if (request.Skills.Count > 0)
        {
            if (EdgeAuthorization.IdentityOf(context) is not null && !identity.AllowDeclaredSkills)
            {
                throw RequestChecks.PermissionDenied("skills",
                    $"an agent's skills come from its stored profile; a softphone names its own only with {IdentitySettings.Section}:AllowDeclaredSkills (for development)");
            }

            skills = request.Skills.ToCore("skills");
            if (profiles.CheckSkills(skills) is { } problem)
            {
                // A skill the configuration does not know is something named and not found, like an unknown queue.
                throw problem.Unknown ? RequestChecks.NotFound(problem.Field, problem.Message) : RequestChecks.Invalid(problem.Field, problem.Message);
            }

            backup = RequestChecks.OptionalId(request.BackupAgentId, "backup_agent_id") is { } named ? new AgentId(named) : null;
        }
        else
        {
            var profile = stored ?? throw new BadRequestException(StatusCode.NotFound, "skills", $"none given and agent '{agent}' has no stored profile");
            skills = profile.Skills;
            backup = RequestChecks.OptionalId(request.BackupAgentId, "backup_agent_id") is { } named ? new AgentId(named) : profile.Backup;
        }

        return new AgentProtocol.LogIn(agent, skills, backup);
    });

    public override Task<CommandReply> SetState(SetStateRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.SetState(request, null));

    public override Task<CommandReply> SetAfterCall(SetStateRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.SetAfterCall(request, null));

    public override Task<CommandReply> LogOut(AgentRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.LogOut(request, null));

    public override Task<CommandReply> Heartbeat(AgentRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.Heartbeat(request, null));

    public override Task<CommandReply> AcceptOffer(OfferAnswer request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.Accept(request, null));

    public override Task<CommandReply> RejectOffer(OfferAnswer request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.Reject(request, null));

    public override Task<CommandReply> EndCall(CallRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.EndCall(request, null));

    public override Task<CommandReply> FinishWrapUp(FinishWrapUpRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.FinishWrapUp(request, null));

    public override Task<CommandReply> RequestTransfer(AgentTransferRequest request, ServerCallContext context) =>
        Run(context, () => SoftphoneCommands.Transfer(request, null));

    public override async Task Subscribe(AgentRequest request, IServerStreamWriter<AgentUpdate> responseStream, ServerCallContext context)
    {
        var agent = RequestChecks.Checked(() => SoftphoneCommands.Agent(request.AgentId, null));
        var domainId = domain.DomainOf(context);

        var updates = Channel.CreateUnbounded<AgentUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var subscriber = domain.System.ActorOf(SoftphoneStreamActor.Props(updates.Writer));
        try
        {
            using var live = drain.Link(context.CancellationToken);
            await domain.Execute(domainId, new AgentProtocol.Subscribe(agent, subscriber), "", context.CancellationToken);
            await OutboundStream.WriteAllAsync(updates.Reader, responseStream, live.Token);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The softphone went away.
        }
        catch (OperationCanceledException) when (drain.StreamsEnd.IsCancellationRequested)
        {
            throw ShutdownDrain.Unavailable();
        }
        finally
        {
            domain.System.Stop(subscriber);
        }
    }

    public override async Task Session(IAsyncStreamReader<SoftphoneCommand> requestStream, IServerStreamWriter<AgentUpdate> responseStream, ServerCallContext context)
    {
        using var live = drain.Link(context.CancellationToken);
        try
        {
            await new SoftphoneSessionStream(domain, domain.DomainOf(context), settings, EdgeAuthorization.IdentityOf(context)).RunAsync(requestStream, responseStream, live.Token);
        }
        catch (OperationCanceledException) when (drain.StreamsEnd.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw ShutdownDrain.Unavailable();
        }

        if (drain.StreamsEnd.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw ShutdownDrain.Unavailable();
        }
    }

    private Task<CommandReply> Run(ServerCallContext context, Func<object> map) => Run(context, _ => map());

    /// <param name="map">The command, from the request and the id of the domain it names.</param>
    private async Task<CommandReply> Run(ServerCallContext context, Func<string, object> map)
    {
        var domainId = domain.DomainOf(context);
        var command = RequestChecks.Checked(() => map(domainId));
        var changed = await domain.Execute(domainId, command, "", context.CancellationToken);
        return new CommandReply { Changed = changed };
    }
}
