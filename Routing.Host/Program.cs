using CallCenter.Routing.Host;
using CallCenter.Routing.Host.Commands;

if (args is ["simulate", .. var options])
{
    return SimulateCommand.Run(options, Console.Out, Console.Error);
}

if (args is ["demo"])
{
    return await DemoCommand.Run(Console.Out);
}

var app = RoutingServer.Build(args);
await app.RunAsync();
return 0;
