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
            LoadBalancer.AddListener("HttpRedirect", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = false,
                DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = "443", Permanent = true }),
            });
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
            AccessLogBucket = new Bucket(this, "AccessLogs", new BucketProps
            {
                // ALB log delivery writes only to SSE-S3 encrypted buckets.
                Encryption = BucketEncryption.S3_MANAGED,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                EnforceSSL = true,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                LifecycleRules = [new LifecycleRule { Expiration = expiration }],
                RemovalPolicy = props.RemovalPolicy,
                AutoDeleteObjects = props.RemovalPolicy == RemovalPolicy.DESTROY,
            });
            LoadBalancer.LogAccessLogs(AccessLogBucket, "alb");
            NagSuppressions.Add(AccessLogBucket,
                new NagSuppression("AwsSolutions-S1", "This bucket holds the load balancer's access logs; logging access to it would need yet another log bucket."));
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

    /// <summary>True when clients connect over TLS (wss://, https://).</summary>
    public bool Secure { get; }
}
