using CallCenter.Routing.Host.Edge;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Edge;

public sealed class NameTableTests
{
    [Test]
    public void Equal_names_read_from_different_messages_share_one_instance()
    {
        var names = new NameTable();
        var first = names.Shared(new string("Standard".AsSpan()));
        var second = names.Shared(new string("Standard".AsSpan()));

        Assert.That(second, Is.SameAs(first));
        Assert.That(names.Shared(new string("VIP".AsSpan())), Is.EqualTo("VIP").And.Not.SameAs(first));
    }

    [Test]
    public void Names_past_the_bound_are_used_as_given()
    {
        var names = new NameTable(capacity: 2);
        names.Shared("general");
        names.Shared("billing");
        var late = new string("sales".AsSpan());

        Assert.That(names.Shared(late), Is.SameAs(late));
        Assert.That(names.Shared(new string("sales".AsSpan())), Is.Not.SameAs(late));
    }
}
