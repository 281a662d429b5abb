using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record WebSocketLoadBalancerProps
{
    public required IVpc Vpc { get; init; }

    /// <summary>ACM certificate; without one the ALB serves plain HTTP and synth warns.</summary>
    public string? CertificateArn { get; init; }

    /// <summary>Seconds of silence after which the ALB closes a socket; must exceed two heartbeats.</summary>
    public required Duration IdleTimeout { get; init; }

    /// <summary>How long a deregistering task keeps its sockets; must cover the app's drain.</summary>
    public required Duration DeregistrationDelay { get; init; }

    /// <summary>lb_cookie duration (a reconnect returns to the same task while it lives); null for none.</summary>
    public required Duration? Stickiness { get; init; }

    /// <summary>The port the tasks listen on (the service's container port).</summary>
    public required int TargetPort { get; init; }

    /// <summary>Ready means: backplane connected and not draining.</summary>
    public string HealthCheckPath { get; init; } = "/readyz";

    public required bool DeletionProtection { get; init; }

    /// <summary>Access logs to an encrypted bucket; null turns them off.</summary>
    public required Duration? AccessLogExpiration { get; init; }

    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>
    /// Access logs kept as evidence: the bucket versioned (an overwritten or deleted log stays as an
    /// older version until it expires) and its own reads and writes logged to a second bucket.
    /// </summary>
    public bool AccessLogAudit { get; init; }

    /// <summary>The port of the server API's own listener; the public listeners answer 404 for <c>/api/*</c>.</summary>
    public required int ApiPort { get; init; }

    /// <summary>Who may reach the API listener; empty: nobody (the listener exists, its port is closed).</summary>
    public required IReadOnlyList<string> ApiAllowedCidrs { get; init; }
}

/// <summary>
/// Internet-facing ALB for WebSockets: HTTPS (TLS 1.3 policy) with an HTTP→HTTPS redirect, and a
/// target group that speaks HTTP/1.1 (WebSocket upgrade), sticks clients with lb_cookie, routes
/// round robin (long-lived sockets make "least outstanding requests" meaningless) and drains
/// for as long as the app does.
/// </summary>
public sealed class WebSocketLoadBalancer : Construct
{
    /// <summary>Id of the synth warning for a load balancer without TLS; acknowledge it with this id.</summary>
    public const string PlainHttpWarning = "realtime:plain-http";

    public WebSocketLoadBalancer(Construct scope, string id, WebSocketLoadBalancerProps props)
        : base(scope, id)
    {
        Secure = props.CertificateArn is not null;

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = "RealtimeInfra load balancer: clients from the internet",
            AllowAllOutbound = false,
        });

        LoadBalancer = new ApplicationLoadBalancer(this, "Alb", new ApplicationLoadBalancerProps
        {
            Vpc = props.Vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PUBLIC },
            SecurityGroup = SecurityGroup,
            IdleTimeout = props.IdleTimeout,
            DropInvalidHeaderFields = true,
            DeletionProtection = props.DeletionProtection,
        });
        if (!props.DeletionProtection)
        {
            NagSuppressions.Add(LoadBalancer, NagSuppression.InCompliancePacks("ELBDeletionProtectionEnabled",
                "Deletion protection is off by this environment's settings (loadBalancer.deletionProtection), for an environment torn down at will; prod turns it on."));
        }

        TargetGroup = new ApplicationTargetGroup(this, "Targets", new ApplicationTargetGroupProps
        {
            Vpc = props.Vpc,
            TargetType = TargetType.IP,
            Port = props.TargetPort,
            Protocol = ApplicationProtocol.HTTP,
            ProtocolVersion = ApplicationProtocolVersion.HTTP1,
            LoadBalancingAlgorithmType = TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN,
            StickinessCookieDuration = props.Stickiness,
            DeregistrationDelay = props.DeregistrationDelay,
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
            {
                Path = props.HealthCheckPath,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(10),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 2,
            },
        });

        if (props.CertificateArn is { } certificateArn)
        {
            var https = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                Certificates = [ListenerCertificate.FromArn(certificateArn)],
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
                Open = false,
                DefaultTargetGroups = [TargetGroup],
            });
            var redirect = LoadBalancer.AddListener("HttpRedirect", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = false,
                DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = "443", Permanent = true }),
            });
            NagSuppressions.Add(redirect, NagSuppression.InCompliancePacks("ELBv2ACMCertificateRequired",
                "This port-80 listener only answers 301 to the same address over HTTPS (ALBHttpToHttpsRedirection holds); it forwards nothing, so it has no certificate to hold."));
            SecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS and WSS from clients");
            Listener = https;
        }
        else
        {
            Listener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = false,
                DefaultTargetGroups = [TargetGroup],
            });
            Annotations.Of(this).AddWarningV2(
                PlainHttpWarning,
                "No loadBalancer.certificateArn: the ALB serves plain HTTP and ws://. Use this only for development; set a certificate for production.");
        }

        SecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(80), Secure ? "HTTP, redirected to HTTPS" : "HTTP and WS from clients");

        // The server API publishes into any channel and releases any claim: it stays off the public
        // listener (whatever its keys), and has a listener of its own that only the listed
        // addresses reach. Public requests for /api/* are answered by the load balancer itself.
        Listener.AddAction("NoPublicApi", new AddApplicationActionProps
        {
            Priority = 1,
            Conditions = [ListenerCondition.PathPatterns(["/api/*"])],
            Action = ListenerAction.FixedResponse(404, new FixedResponseOptions { ContentType = "text/plain", MessageBody = "not found" }),
        });
        ApiListener = LoadBalancer.AddListener("Api", new BaseApplicationListenerProps
        {
            Port = props.ApiPort,
            Protocol = Secure ? ApplicationProtocol.HTTPS : ApplicationProtocol.HTTP,
            Certificates = props.CertificateArn is { } apiCertificate ? [ListenerCertificate.FromArn(apiCertificate)] : null,
            SslPolicy = Secure ? SslPolicy.RECOMMENDED_TLS : null,
            Open = false,
            DefaultAction = ListenerAction.FixedResponse(404, new FixedResponseOptions { ContentType = "text/plain", MessageBody = "not found" }),
        });
        ApiListener.AddTargetGroups("ApiRoutes", new AddApplicationTargetGroupsProps
        {
            Priority = 1,
            Conditions = [ListenerCondition.PathPatterns(["/api/*"])],
            TargetGroups = [TargetGroup],
        });
        foreach (var cidr in props.ApiAllowedCidrs)
        {
            SecurityGroup.AddIngressRule(Peer.Ipv4(cidr), Port.Tcp(props.ApiPort), "The server API, from an allowed backend");
        }
        NagSuppressions.Add(SecurityGroup,
            new NagSuppression("AwsSolutions-EC23", "An internet-facing load balancer: clients connect from anywhere, on 80 and 443 only."));

        if (props.AccessLogExpiration is { } expiration)
        {
            AccessLogAuditBucket = props.AccessLogAudit ? LogBucket("AccessLogsAudit", expiration, props.RemovalPolicy, versioned: true, serverAccessLogs: null) : null;
            AccessLogBucket = LogBucket("AccessLogs", expiration, props.RemovalPolicy, versioned: props.AccessLogAudit, AccessLogAuditBucket);
            LoadBalancer.LogAccessLogs(AccessLogBucket, "alb");
            const string SseS3Only = "ALB access logs are delivered only to buckets encrypted with S3-managed keys (SSE-S3); a KMS key is refused by the log delivery.";
            const string NoReplica = "Logs kept for their retention in the region they describe; a copy in a second region is a disaster-recovery choice left to the user (docs/compliance.md).";
            NagSuppressions.Add(AccessLogBucket, [
                .. NagSuppression.InCompliancePacks("S3DefaultEncryptionKMS", SseS3Only),
                .. NagSuppression.InCompliancePacks("S3BucketReplicationEnabled", NoReplica),
            ]);
            if (props.RemovalPolicy == RemovalPolicy.DESTROY)
            {
                AcceptAutoDeleteProvider();
            }

            if (AccessLogAuditBucket is null)
            {
                NagSuppressions.Add(AccessLogBucket,
                    new NagSuppression("AwsSolutions-S1", "This bucket holds the load balancer's access logs; logging access to it too, in an audit bucket, is what compliance: hipaa adds."));
            }
            else
            {
                // cdk-nag counts a bucket that receives server access logs as logged (S1, S3BucketLoggingEnabled).
                NagSuppressions.Add(AccessLogAuditBucket, [
                    .. NagSuppression.InCompliancePacks("S3DefaultEncryptionKMS", "S3 server access logs are delivered only to buckets encrypted with S3-managed keys (SSE-S3)."),
                    .. NagSuppression.InCompliancePacks("S3BucketReplicationEnabled", NoReplica),
                ]);
            }
        }
        else
        {
            NagSuppressions.Add(LoadBalancer,
                new NagSuppression("AwsSolutions-ELB2", "Access logs are off by this environment's settings (loadBalancer.accessLogs); prod turns them on."));
        }
    }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public ApplicationListener Listener { get; }

    /// <summary>The server API's listener (<c>/api/*</c> only), on its own port.</summary>
    public ApplicationListener ApiListener { get; }

    public SecurityGroup SecurityGroup { get; }

    public Bucket? AccessLogBucket { get; }

    /// <summary>With <see cref="WebSocketLoadBalancerProps.AccessLogAudit"/>: the access-log bucket's own server access logs.</summary>
    public Bucket? AccessLogAuditBucket { get; }

    /// <summary>aws-cdk-lib's provider that empties a bucket before a throw-away environment deletes it.</summary>
    private void AcceptAutoDeleteProvider()
    {
        if (Stack.Of(this).Node.TryFindChild("Custom::S3AutoDeleteObjectsCustomResourceProvider") is not Construct provider)
        {
            return;
        }

        const string Provider = "aws-cdk-lib's own provider that empties the log buckets when a throw-away environment (retainData = false) is deleted";
        NagSuppressions.Add(provider.Node.FindChild("Role"),
            new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]", Provider + "; it only writes its logs with this policy."));
        NagSuppressions.Add(provider.Node.FindChild("Handler"), [
            new NagSuppression("AwsSolutions-L1", Provider + "; its runtime moves with the CDK version."),
            .. NagSuppression.InCompliancePacks("LambdaDLQ", Provider + "; CloudFormation waits for its answer and fails the deletion if it gives none."),
            .. NagSuppression.InCompliancePacks("LambdaConcurrency", Provider + "; a deletion runs it once per bucket."),
            .. NagSuppression.InCompliancePacks("LambdaInsideVPC", Provider + "; it calls only the S3 API on these buckets."),
        ]);
    }

    /// <summary>
    /// A private, TLS-only, SSE-S3 bucket whose objects expire after <paramref name="expiration"/>. A
    /// versioned one (the audit setting) also expires a replaced or deleted object's older version
    /// then, so versioning keeps evidence without keeping it forever.
    /// </summary>
    private Bucket LogBucket(string id, Duration expiration, RemovalPolicy removalPolicy, bool versioned, Bucket? serverAccessLogs) => new(this, id, new BucketProps
    {
        // ALB log delivery and S3 server access logging write only to SSE-S3 encrypted buckets.
        Encryption = BucketEncryption.S3_MANAGED,
        BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
        EnforceSSL = true,
        ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
        Versioned = versioned,
        ServerAccessLogsBucket = serverAccessLogs,
        ServerAccessLogsPrefix = serverAccessLogs is null ? null : "access-logs/",
        LifecycleRules = [new LifecycleRule { Expiration = expiration, NoncurrentVersionExpiration = versioned ? expiration : null }],
        RemovalPolicy = removalPolicy,
        AutoDeleteObjects = removalPolicy == RemovalPolicy.DESTROY,
    });

    /// <summary>True when clients connect over TLS (wss://, https://).</summary>
    public bool Secure { get; }
}
