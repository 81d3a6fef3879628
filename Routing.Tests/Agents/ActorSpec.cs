using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Serialization;

namespace CallCenter.Routing.Tests.Agents;

/// <summary>
/// Akka.TestKit for NUnit: one actor system per test (a new fixture instance per test case),
/// shut down after it. Time is virtual unless a spec asks for the real scheduler.
/// </summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public abstract class ActorSpec : TestKitBase
{
    /// <summary>The TestKit's scheduler: time moves only when a test advances it.</summary>
    public static readonly Config VirtualTime = ConfigurationFactory.ParseString("""
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        """);

    /// <summary>
    /// Messages must survive serialization, so nothing is built that could not cross a cluster: every
    /// message goes through its serializer and back (the routing messages through the routing
    /// serializer), except those marked as never leaving their node.
    /// </summary>
    private static readonly Config SpecDefaults = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.serialize-messages = on
        """);

    protected ActorSpec(Config? config = null)
        : base(NUnitAssertions.Instance, (config ?? VirtualTime).WithFallback(SpecDefaults).WithFallback(CompactMailbox.Configuration)
            .WithFallback(RoutingSerialization.Configuration).WithFallback(DefaultConfig))
    {
        var provider = ((ExtendedActorSystem)Sys).Provider;
        Sys.EventStream.Subscribe(new SerializationFailures(_serializationFailures, provider.TempPath(), provider), typeof(Error));
    }

    /// <summary>Messages Akka dropped because they did not come back from serialization.</summary>
    private readonly ConcurrentQueue<Error> _serializationFailures = new();

    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;

    /// <summary>
    /// A message that fails serialization is logged and dropped, not thrown at its sender: a test
    /// that did not wait for it would pass all the same, so the drop fails the test here.
    /// </summary>
    [TearDown]
    public void ShutDownActorSystem()
    {
        try
        {
            Assert.That(_serializationFailures.Select(e => $"{e.Cause!.Message} ({e.Cause.InnerException?.Message})"), Is.Empty,
                "messages dropped because they did not survive serialization");
        }
        finally
        {
            Shutdown();
        }
    }

    /// <summary>Keeps the serialization failures among the errors published (an actor would have its own messages checked).</summary>
    private sealed class SerializationFailures(ConcurrentQueue<Error> failures, ActorPath path, IActorRefProvider provider) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            if (message is Error { Cause: SerializationException } failure)
            {
                failures.Enqueue(failure);
            }
        }
    }
}

/// <summary>
/// TestKit assertions that throw NUnit's AssertionException directly: a failed Assert.That
/// is recorded by NUnit even when caught, which would fail a test after a successful retry.
/// </summary>
internal sealed class NUnitAssertions : ITestKitAssertions
{
    public static readonly NUnitAssertions Instance = new();

    public void Fail(string format = "", params object[] args) => throw new AssertionException(Format(format, args));

    public void AssertTrue(bool condition, string format = "", params object[] args)
    {
        if (!condition)
        {
            throw new AssertionException(Format(format, args, "expected true"));
        }
    }

    public void AssertFalse(bool condition, string format = "", params object[] args)
    {
        if (condition)
        {
            throw new AssertionException(Format(format, args, "expected false"));
        }
    }

    public void AssertEqual<T>(T expected, T actual, string format = "", params object[] args) =>
        AssertEqual(expected, actual, EqualityComparer<T>.Default.Equals, format, args);

    public void AssertEqual<T>(T expected, T actual, Func<T, T, bool> comparer, string format = "", params object[] args)
    {
        if (!comparer(expected, actual))
        {
            throw new AssertionException(Format(format, args, $"expected {expected}, but was {actual}"));
        }
    }

    public Exception AssertThrows(Action action) => AssertThrows<Exception>(action);

    public TException AssertThrows<TException>(Action action)
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException e)
        {
            return e;
        }

        throw new AssertionException($"expected {typeof(TException).Name} to be thrown");
    }

    public Task<Exception> AssertThrowsAsync(Func<Task> action) => AssertThrowsAsync<Exception>(action);

    public async Task<TException> AssertThrowsAsync<TException>(Func<Task> action)
        where TException : Exception
    {
        try
        {
            await action();
        }
        catch (TException e)
        {
            return e;
        }

        throw new AssertionException($"expected {typeof(TException).Name} to be thrown");
    }

    private static string Format(string format, object[] args, string fallback = "assertion failed") =>
        string.IsNullOrEmpty(format) ? fallback : args.Length == 0 ? format : string.Format(format, args);
}
