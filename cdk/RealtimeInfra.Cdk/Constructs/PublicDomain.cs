using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record PublicDomainProps
{
    /// <summary>The host name clients use, e.g. rt.example.com.</summary>
    public required string DomainName { get; init; }

    public required string HostedZoneId { get; init; }

    /// <summary>The zone's name, given so synth needs no lookup (and no AWS credentials).</summary>
    public required string HostedZoneName { get; init; }

    /// <summary>An existing certificate to use instead of making a DNS-validated one.</summary>
    public string? CertificateArn { get; init; }
}

/// <summary>
/// A domain in a Route 53 zone: a DNS-validated ACM certificate for it (ACM renews it while the
/// validation record stays), unless one is given, and an alias record to the load balancer.
/// </summary>
public sealed class PublicDomain : Construct
{
    private readonly IHostedZone _zone;
    private readonly string _domainName;

    public PublicDomain(Construct scope, string id, PublicDomainProps props)
        : base(scope, id)
    {
        _domainName = props.DomainName;
        _zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes
        {
            HostedZoneId = props.HostedZoneId,
            ZoneName = props.HostedZoneName,
        });
        CertificateArn = props.CertificateArn ?? new Certificate(this, "Certificate", new CertificateProps
        {
            DomainName = props.DomainName,
            Validation = CertificateValidation.FromDns(_zone),
        }).CertificateArn;
    }

    public string CertificateArn { get; }

    /// <summary>Points the domain at the load balancer (an A alias: no extra lookups, no TTL to wait out).</summary>
    public ARecord PointAt(IApplicationLoadBalancer loadBalancer) => new(this, "Alias", new ARecordProps
    {
        Zone = _zone,
        RecordName = _domainName + ".",
        Target = RecordTarget.FromAlias(new LoadBalancerTarget(loadBalancer)),
    });
}
