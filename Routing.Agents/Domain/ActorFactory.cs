using Akka.Actor;

namespace CallCenter.Routing.Agents.Domain;

/// <summary>
/// Props that make their actor with a plain delegate. Props.Create from an expression tree
/// evaluates the tree and finds the constructor by reflection each time, which is most of the
/// cost of starting an actor made once per call.
/// </summary>
internal sealed class ActorFactory<TActor>(Func<TActor> create) : IIndirectActorProducer
    where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public static Props Props(Func<TActor> create) => Akka.Actor.Props.CreateBy(new ActorFactory<TActor>(create));

    public ActorBase Produce() => create();

    public void Release(ActorBase actor)
    {
    }
}
