using CallCenter.Routing.Benchmarks;

return args switch
{
    ["core", .. var options] => CoreBenchmark.Run(options),
    ["actors", .. var options] => ActorBenchmark.Run(options),
    ["edge", .. var options] => EdgeBenchmark.Run(options),
    ["log", .. var options] => LogBenchmark.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Routing.Benchmarks edge [--events N] [--agents N] [--rate N] [--seconds N]");
    Console.Error.WriteLine("       Routing.Benchmarks actors [--agents N] [--calls N] [--rate N] [--seconds N] [--count-messages] [--allocations]");
    Console.Error.WriteLine("       Routing.Benchmarks log [--seconds N] [--warm-up SECONDS] [--rate RECORDS_PER_SECOND] [--batch MAX_RECORDS]");
    Console.Error.WriteLine("       Routing.Benchmarks core [--agents N] [--queues N] [--skills N] [--waiting N] [--decisions N] [--seed N] [--scaling]");
    return 2;
}
