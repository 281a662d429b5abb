using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record ServiceAutoScalingProps
{
    public required FargateService Service { get; init; }
    public int MinTasks { get; init; } = 2;
    public int MaxTasks { get; init; } = 6;
    public int CpuTargetPercent { get; init; } = 60;

    /// <summary>Scale-in closes sockets (clients reconnect elsewhere): do it slowly.</summary>
    public Duration ScaleInCooldown { get; init; } = Duration.Minutes(10);

    public Duration ScaleOutCooldown { get; init; } = Duration.Minutes(1);
}

/// <summary>Target tracking on CPU between the minimum and maximum task counts.</summary>
public sealed class ServiceAutoScaling : Construct
{
    public ServiceAutoScaling(Construct scope, string id, ServiceAutoScalingProps props)
        : base(scope, id)
    {
        Scaling = props.Service.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
        {
            MinCapacity = props.MinTasks,
            MaxCapacity = props.MaxTasks,
        });
        Scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = props.CpuTargetPercent,
            ScaleInCooldown = props.ScaleInCooldown,
            ScaleOutCooldown = props.ScaleOutCooldown,
        });
    }

    public ScalableTaskCount Scaling { get; }
}
