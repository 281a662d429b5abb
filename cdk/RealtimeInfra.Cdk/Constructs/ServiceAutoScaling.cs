using Amazon.CDK;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ECS;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record ServiceAutoScalingProps
{
    public required FargateService Service { get; init; }
    public required int MinTasks { get; init; }
    public required int MaxTasks { get; init; }
    public required int CpuTargetPercent { get; init; }

    /// <summary>The app's open sockets per task (EMF metric); null scales on CPU only.</summary>
    public IMetric? ConnectionsPerTask { get; init; }

    public required int ConnectionsTargetPerTask { get; init; }

    /// <summary>Scale-in closes sockets (clients reconnect elsewhere): do it slowly.</summary>
    public Duration ScaleInCooldown { get; init; } = Duration.Minutes(10);

    public Duration ScaleOutCooldown { get; init; } = Duration.Minutes(1);
}

/// <summary>
/// Target tracking between the minimum and maximum task counts on CPU and, for WebSockets, on open
/// connections per task: idle sockets cost memory and file descriptors long before they cost CPU.
/// With two policies ECS scales out when either asks and in only when both agree.
/// </summary>
public sealed class ServiceAutoScaling : Construct
{
    public ServiceAutoScaling(Construct scope, string id, ServiceAutoScalingProps props)
        : base(scope, id)
    {
        Scaling = props.Service.AutoScaleTaskCount(new EnableScalingProps
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
        if (props.ConnectionsPerTask is { } connections)
        {
            Scaling.ScaleToTrackCustomMetric("Connections", new TrackCustomMetricProps
            {
                Metric = connections,
                TargetValue = props.ConnectionsTargetPerTask,
                ScaleInCooldown = props.ScaleInCooldown,
                ScaleOutCooldown = props.ScaleOutCooldown,
            });
        }
    }

    public ScalableTaskCount Scaling { get; }
}
