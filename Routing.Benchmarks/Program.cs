using CallCenter.Routing.Benchmarks;
using CallCenter.Routing.Benchmarks.Load;

return args switch
{
    ["core", .. var options] => CoreBenchmark.Run(options),
    ["actors", .. var options] => ActorBenchmark.Run(options),
    ["edge", .. var options] => EdgeBenchmark.Run(options),
    ["log", .. var options] => LogBenchmark.Run(options),
    ["load", .. var options] => LoadCommand.Run(options),
    ["echo-server", .. var options] => EchoFloor.Serve(options),
    ["recovery", .. var options] => RecoveryBenchmark.Run(options),
    ["failover", .. var options] => FailoverBenchmark.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Routing.Benchmarks load [--suite | --capacity | --floors] [--target GRPC_URL --target-http HTTP_URL --database CONNECTION]");
    Console.Error.WriteLine("           [--rate N] [--arrivals fixed|poisson] [--seconds N] [--warm-up N] [--warm-up-rate N] [--gateways N] [--agents N] [--handle-ms N] [--wrap-up-ms N]");
    Console.Error.WriteLine("           [--abandon SHARE] [--patience-ms N] [--reject SHARE] [--disconnect SHARE] [--gateway-batch N] [--no-reply-batches] [--keep-databases] [--nodes N] [--json FILE]");
    Console.Error.WriteLine("       Routing.Benchmarks recovery [--calls N,N,...] [--agents N] [--data FOLDER]");
    Console.Error.WriteLine("       Routing.Benchmarks failover [--kills N] [--calls N] [--data FOLDER]");
    Console.Error.WriteLine("       Routing.Benchmarks edge [--events N] [--agents N] [--rate N] [--seconds N] [--domain alone|local|remote]");
    Console.Error.WriteLine("       Routing.Benchmarks actors [--agents N] [--calls N] [--rate N] [--seconds N] [--count-messages] [--allocations]");
    Console.Error.WriteLine("       Routing.Benchmarks log [--seconds N] [--warm-up SECONDS] [--rate RECORDS_PER_SECOND] [--batch MAX_RECORDS]");
    Console.Error.WriteLine("       Routing.Benchmarks core [--agents N] [--queues N] [--skills N] [--waiting N] [--decisions N] [--seed N] [--scaling]");
    return 2;
}
