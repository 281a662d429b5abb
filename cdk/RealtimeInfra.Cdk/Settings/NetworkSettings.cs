namespace RealtimeInfra.Cdk.Settings;

public sealed record NetworkSettings
{
    /// <summary>Availability zones to span. An environment-agnostic synth can only see two.</summary>
    public int MaxAzs { get; init; } = 3;

    /// <summary>One NAT gateway per AZ survives an AZ outage; fewer saves cost.</summary>
    public int NatGateways { get; init; } = 3;

    public string VpcCidr { get; init; } = "10.40.0.0/16";

    public int FlowLogRetentionDays { get; init; } = 90;

    /// <summary>
    /// Interface endpoints for ECR (api, dkr), CloudWatch Logs and Secrets Manager, so tasks pull,
    /// log and read their secrets without NAT. Each costs per AZ-hour; dev turns them off.
    /// </summary>
    public bool InterfaceEndpoints { get; init; } = true;
}
