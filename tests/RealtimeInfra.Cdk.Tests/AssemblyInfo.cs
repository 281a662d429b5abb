// jsii runs one Node process per .NET process and is not thread-safe: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
