using System.Threading.Channels;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.Identity;
using CallCenter.Routing.Model;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// One softphone's session stream: opened for an agent, it carries the agent's updates out and
/// its commands in. Commands go to routing in the order read, several at once, and each result
/// is written among the updates as soon as its command is carried out (an accepted offer answers
/// once its log record is durable), so a slow command holds up neither the stream nor the next
/// command.
/// </summary>
/// <param name="identity">The caller's token, when it has one: an agent's opens a session for that agent alone.</param>
internal sealed class SoftphoneSessionStream(DomainClient domain, string domainId, EdgeSettings settings, EdgeIdentity? identity = null)
{
    public async Task RunAsync(IAsyncStreamReader<SoftphoneCommand> commands, IServerStreamWriter<AgentUpdate> stream, CancellationToken cancellation)
    {
        if (!await commands.MoveNext(cancellation))
        {
            return;
        }

        var open = commands.Current;
        if (open.CommandCase != SoftphoneCommand.CommandOneofCase.Open)
        {
            throw RequestChecks.FailedPrecondition("open", "the first command must open the session for an agent").ToRpcException();
        }

        var agent = RequestChecks.Checked(() => new AgentId(RequestChecks.Id(open.Open.AgentId, "open.agent_id")));
        if (identity is { Role: EdgeRole.Agent } caller)
        {
            RequestChecks.Checked(() =>
            {
                caller.MustActAs(agent.Value, "open.agent_id");
                return caller;
            });
        }

        var updates = Channel.CreateUnbounded<AgentUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var subscriber = domain.System.ActorOf(SoftphoneStreamActor.Props(updates.Writer));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var inFlight = new SemaphoreSlim(settings.MaxCommandsInFlight);
        var writing = Task.CompletedTask;
        try
        {
            await domain.Execute(domainId, new AgentProtocol.Subscribe(agent, subscriber), "open", cancellation);

            // When the updates end (the stream broke), so does the session.
            writing = OutboundStream.WriteAllAsync(updates.Reader, stream, cancellation)
                .ContinueWith(_ => ended.Cancel(), TaskScheduler.Default);
            while (await commands.MoveNext(ended.Token))
            {
                await inFlight.WaitAsync(ended.Token);
                _ = Answer(commands.Current, agent, updates.Writer, inFlight, ended.Token);
            }

            // The softphone closed its side: answer what was sent, then end.
            for (var i = 0; i < settings.MaxCommandsInFlight; i++)
            {
                await inFlight.WaitAsync(ended.Token);
            }

            updates.Writer.TryComplete();
            await writing;
        }
        catch (Exception e) when (e is OperationCanceledException && ended.IsCancellationRequested || e is IOException)
        {
            // The softphone went away (a reset stream reads as an IOException before the call is cancelled).
        }
        finally
        {
            domain.System.Stop(subscriber);
            // The writer cancels the session's token when it ends: let it end before the token source goes.
            updates.Writer.TryComplete();
            await writing;
        }

        // The updates ended with the agent's actor (its domain moved): the session says so.
        if (updates.Reader.Completion.Exception?.InnerException is RpcException gone)
        {
            throw gone;
        }
    }

    private async Task Answer(
        SoftphoneCommand command, AgentId agent, ChannelWriter<AgentUpdate> updates, SemaphoreSlim inFlight, CancellationToken cancellation)
    {
        try
        {
            var result = await CarryOut(command, agent, cancellation);
            updates.TryWrite(new AgentUpdate { AgentId = agent.Value, At = domain.System.Scheduler.Now.ToProto(), Result = result });
        }
        catch (OperationCanceledException)
        {
            // The session is ending; no one is left to answer.
        }
        finally
        {
            // Released after the result is written: a session that ends waits for every answer.
            inFlight.Release();
        }
    }

    private async Task<CommandResult> CarryOut(SoftphoneCommand command, AgentId agent, CancellationToken cancellation)
    {
        var result = new CommandResult { CommandId = command.CommandId };
        try
        {
            var (mapped, prefix) = SoftphoneCommands.OnSession(command, agent);
            var outcome = await domain.Send(domainId, mapped, cancellation);
            if (outcome.Succeeded)
            {
                result.Changed = outcome.Code == OutcomeCode.Ok;
            }
            else
            {
                Refused(result, DomainClient.Refusal(outcome, prefix, mapped));
            }
        }
        catch (BadRequestException bad)
        {
            Refused(result, bad);
        }
        catch (RpcException unavailable)
        {
            result.Code = RequestChecks.CodeName(unavailable.StatusCode);
            result.Message = unavailable.Status.Detail;
        }

        return result;
    }

    private static void Refused(CommandResult result, BadRequestException problem)
    {
        result.Code = RequestChecks.CodeName(problem.Code);
        result.Field = problem.Field;
        result.Message = problem.Detail;
    }
}
