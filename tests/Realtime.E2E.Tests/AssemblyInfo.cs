// One cluster and one browser at a time: the machine has two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
