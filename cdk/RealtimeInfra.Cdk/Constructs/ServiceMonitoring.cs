using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record ServiceMonitoringProps
{
    public required string DashboardName { get; init; }

    /// <summary>The <c>ServiceName</c> dimension the app writes its EMF metrics with.</summary>
    public required string MetricsServiceName { get; init; }

    public required ApplicationLoadBalancer LoadBalancer { get; init; }
    public required ApplicationTargetGroup TargetGroup { get; init; }
    public required FargateService Service { get; init; }
    public required ICluster Cluster { get; init; }

    /// <summary>Cache node ids, the dimension of the ElastiCache metrics.</summary>
    public required IReadOnlyList<string> CacheNodeIds { get; init; }

    /// <summary>Fewer running tasks than this raises an alarm.</summary>
    public required int MinTasks { get; init; }

    public string? AlarmEmail { get; init; }
    public required int Http5xxPercent { get; init; }
    public required int DeliveryLagP99Milliseconds { get; init; }
    public required int DroppedPerMinute { get; init; }

    /// <summary>Connections a minute the tasks refuse for lack of room (the app's ConnectionsRefused).</summary>
    public required int RefusedPerMinute { get; init; }
    public required int CacheCpuPercent { get; init; }
    public required int CacheMemoryPercent { get; init; }

    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>Errors of the cache AUTH token's rotation function, when it rotates: a failed step pages on-call.</summary>
    public IMetric? RotationErrors { get; init; }

    /// <summary>Drain events left in the drain function's dead-letter queue, when it has one.</summary>
    public IMetric? DrainDeadLetters { get; init; }
}

/// <summary>
/// One dashboard (the app's own metrics, the ALB, the ECS service, the cache) and the alarms that
/// need a person, sent with their recovery to an encrypted SNS topic.
/// </summary>
public sealed class ServiceMonitoring : Construct
{
    /// <summary>Namespace of the app's EMF metrics (<c>EmbeddedMetricsWriter.Namespace</c> in the app).</summary>
    public const string AppNamespace = "Realtime";

    /// <summary>
    /// CloudWatch's hard limit on the metrics one metric-math alarm references: a cache with more nodes
    /// (cluster mode) gets one alarm per this many nodes.
    /// </summary>
    public const int MaxMetricsPerAlarm = 10;

    private static readonly Duration Minute = Duration.Minutes(1);
    private readonly string _serviceName;
    private readonly List<IAlarm> _alarms = [];

    public ServiceMonitoring(Construct scope, string id, ServiceMonitoringProps props)
        : base(scope, id)
    {
        _serviceName = props.MetricsServiceName;

        // A customer-managed key: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
        var key = new Key(this, "TopicKey", new KeyProps
        {
            Description = "Encrypts the RealtimeInfra alarm topic",
            EnableKeyRotation = true,
            RemovalPolicy = props.RemovalPolicy,
        });
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
        }));
        Topic = new Topic(this, "AlarmTopic", new TopicProps
        {
            DisplayName = "RealtimeInfra alarms",
            MasterKey = key,
        });
        // Publishing over TLS only. Written out: the 2.160 L2's EnforceSSL emits no topic policy.
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TlsOnly",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
        }));
        if (props.AlarmEmail is { } email)
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }

        var alb = props.LoadBalancer.Metrics;
        var targets = props.TargetGroup.Metrics;
        var requests = alb.RequestCount(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" });
        var elb5xx = alb.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" });
        var target5xx = alb.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(5), Statistic = "Sum" });
        var errorRate = new MathExpression(new MathExpressionProps
        {
            Label = "5xx % of requests",
            Expression = "IF(requests > 0, 100 * (FILL(elb, 0) + FILL(target, 0)) / requests, 0)",
            UsingMetrics = new Dictionary<string, IMetric> { ["requests"] = requests, ["elb"] = elb5xx, ["target"] = target5xx },
            Period = Duration.Minutes(5),
        });
        var runningTasks = new Metric(new MetricProps
        {
            Namespace = "ECS/ContainerInsights",
            MetricName = "RunningTaskCount",
            DimensionsMap = new Dictionary<string, string> { ["ClusterName"] = props.Cluster.ClusterName, ["ServiceName"] = props.Service.ServiceName },
            Statistic = "Minimum",
            Period = Minute,
        });
        var lagP99 = App("DeliveryLag", "p99");
        var dropped = App("Dropped", "Sum");
        var refused = App("ConnectionsRefused", "Sum");

        Alarm("Http5xxRate", errorRate, props.Http5xxPercent, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            $"5xx responses are at least {props.Http5xxPercent} % of requests over five minutes");
        Alarm("UnhealthyTargets", targets.UnhealthyHostCount(new MetricOptions { Statistic = "Maximum", Period = Minute }), 1, 3,
            ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, "A task has failed the /readyz health check for three minutes");
        Alarm("RunningTasksBelowMinimum", runningTasks, props.MinTasks, 5, ComparisonOperator.LESS_THAN_THRESHOLD,
            $"Fewer than {props.MinTasks} tasks running for five minutes", TreatMissingData.BREACHING);
        CacheAlarms("CacheEngineCpu", "EngineCPUUtilization", "Highest engine CPU %", props.CacheNodeIds, props.CacheCpuPercent,
            $"A cache node's engine thread is above {props.CacheCpuPercent} % for five minutes");
        CacheAlarms("CacheMemory", "DatabaseMemoryUsagePercentage", "Highest memory use %", props.CacheNodeIds, props.CacheMemoryPercent,
            $"A cache node uses more than {props.CacheMemoryPercent} % of its memory");
        Alarm("DeliveryLagP99", lagP99, props.DeliveryLagP99Milliseconds, 5, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            $"p99 delivery lag at or above {props.DeliveryLagP99Milliseconds} ms for five minutes");
        Alarm("DroppedMessages", dropped, props.DroppedPerMinute, 3, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            $"At least {props.DroppedPerMinute} messages a minute not delivered to slow or closing receivers, three minutes running");
        Alarm("ConnectionsRefused", refused, props.RefusedPerMinute, 3, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            $"At least {props.RefusedPerMinute} connections a minute refused for lack of room (tasks full, memory pressure), three minutes running");

        if (props.RotationErrors is { } rotationErrors)
        {
            Alarm("AuthTokenRotationFailed", rotationErrors, 1, 5, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                "A step of the cache AUTH token's rotation failed; the token in AWSCURRENT still works (docs/operations.md, Rotating the cache AUTH token)");
        }

        if (props.DrainDeadLetters is { } deadLetters)
        {
            Alarm("DrainEventsDeadLettered", deadLetters, 1, 5, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                "A task-stopping event reached the drain function's dead-letter queue: that task was drained by its own metadata polling only");
        }

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = props.DashboardName,
            DefaultInterval = Duration.Hours(3),
        });
        Dashboard.AddWidgets(
            Graph("Connections", App("ConnectionsPerTask", "Sum", "Open connections (all tasks)"), App("ConnectionsPerTask", "Average", "Per task")),
            Graph("Messages a minute", App("Published", "Sum", "Published"), App("Delivered", "Sum", "Delivered"), App("Dropped", "Sum", "Dropped")),
            Graph("Delivery lag (ms)", App("DeliveryLag", "p50", "p50"), App("DeliveryLag", "p99", "p99")),
            Graph("Backplane reconnects", App("BackplaneReconnects", "Sum", "Reconnects")),
            Graph("Overload", App("ConnectionsRefused", "Sum", "Refused"), App("ConnectionsShed", "Sum", "Shed (memory)")));
        Dashboard.AddWidgets(
            Graph("ALB connections",
                alb.ActiveConnectionCount(new MetricOptions { Period = Minute, Statistic = "Sum" }),
                alb.NewConnectionCount(new MetricOptions { Period = Minute, Statistic = "Sum" }),
                alb.RejectedConnectionCount(new MetricOptions { Period = Minute, Statistic = "Sum" })),
            Graph("5xx", elb5xx, target5xx, errorRate),
            Graph("Target response time (s)", alb.TargetResponseTime(new MetricOptions { Period = Minute, Statistic = "p99" })),
            Graph("Targets",
                targets.HealthyHostCount(new MetricOptions { Period = Minute, Statistic = "Minimum" }),
                targets.UnhealthyHostCount(new MetricOptions { Period = Minute, Statistic = "Maximum" })));
        Dashboard.AddWidgets(
            Graph("ECS CPU %", props.Service.MetricCpuUtilization(new MetricOptions { Period = Minute })),
            Graph("ECS memory %", props.Service.MetricMemoryUtilization(new MetricOptions { Period = Minute })),
            Graph("Running tasks", runningTasks));
        Dashboard.AddWidgets(
            Graph("Cache engine CPU %", CacheNodes("EngineCPUUtilization", props.CacheNodeIds, "Average")),
            Graph("Cache memory %", CacheNodes("DatabaseMemoryUsagePercentage", props.CacheNodeIds, "Maximum")),
            Graph("Cache connections", CacheNodes("CurrConnections", props.CacheNodeIds, "Maximum")),
            Graph("Replication lag (s)", CacheNodes("ReplicationLag", props.CacheNodeIds, "Maximum")));
        Dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps { Title = "Alarms", Alarms = [.. _alarms], Width = 24 }));
    }

    public Topic Topic { get; }

    public Dashboard Dashboard { get; }

    public IReadOnlyList<IAlarm> Alarms => _alarms;

    /// <summary>One of the app's EMF metrics (per minute) for the service that writes it as <paramref name="serviceName"/>.</summary>
    public static Metric AppMetric(string serviceName, string name, string statistic, string? label = null) => new(new MetricProps
    {
        Namespace = AppNamespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["ServiceName"] = serviceName },
        Statistic = statistic,
        Period = Minute,
        Label = label,
    });

    private Metric App(string name, string statistic, string? label = null) => AppMetric(_serviceName, name, statistic, label);

    private static IMetric[] CacheNodes(string name, IReadOnlyList<string> nodes, string statistic) =>
    [
        .. nodes.Select(node => (IMetric)new Metric(new MetricProps
        {
            Namespace = "AWS/ElastiCache",
            MetricName = name,
            DimensionsMap = new Dictionary<string, string> { ["CacheClusterId"] = node },
            Statistic = statistic,
            Period = Minute,
        })),
    ];

    /// <summary>The highest value over the nodes: the primary can move on failover, so no node is special.</summary>
    private static MathExpression CacheMax(string name, IReadOnlyList<string> nodes, string label)
    {
        var metrics = CacheNodes(name, nodes, "Average");
        return new MathExpression(new MathExpressionProps
        {
            Label = label,
            Expression = $"MAX([{string.Join(", ", metrics.Select((_, i) => $"n{i}"))}])",
            UsingMetrics = metrics.Select((m, i) => (Name: $"n{i}", Metric: m)).ToDictionary(x => x.Name, x => x.Metric),
            Period = Minute,
        });
    }

    /// <summary>
    /// The highest value over the cache nodes against <paramref name="threshold"/> for five minutes: one
    /// alarm (<paramref name="id"/>) up to <see cref="MaxMetricsPerAlarm"/> nodes, then <c>id2</c>, <c>id3</c>, ….
    /// </summary>
    private void CacheAlarms(string id, string metric, string label, IReadOnlyList<string> nodes, int threshold, string description)
    {
        var batches = nodes.Chunk(MaxMetricsPerAlarm).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            var first = (i * MaxMetricsPerAlarm) + 1;
            var which = batches.Count == 1 ? "" : $" (cache nodes {first}–{first + batches[i].Length - 1} of {nodes.Count})";
            Alarm(i == 0 ? id : $"{id}{i + 1}", CacheMax(metric, batches[i], label), threshold, 5,
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, description + which);
        }
    }

    private void Alarm(string id, IMetric metric, double threshold, int minutes, ComparisonOperator comparison, string description,
        TreatMissingData missing = TreatMissingData.NOT_BREACHING)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = minutes,
            ComparisonOperator = comparison,
            TreatMissingData = missing,
            AlarmDescription = description,
        });
        var action = new SnsAction(Topic);
        alarm.AddAlarmAction(action);
        alarm.AddOkAction(action);
        _alarms.Add(alarm);
    }

    private static GraphWidget Graph(string title, params IMetric[] metrics) =>
        new(new GraphWidgetProps { Title = title, Left = metrics, Width = 6, Height = 6 });
}
