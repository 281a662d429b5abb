using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

public sealed record EdgeProtectionProps
{
    public required string LoadBalancerArn { get; init; }

    /// <summary>Requests one IP may make per five minutes (WAF's window) before it is blocked.</summary>
    public required int RateLimitPer5Minutes { get; init; }

    /// <summary>Where the web ACL logs every request it sees; null: no logs (WAF's metrics and samples only).</summary>
    public WafLogging? Logging { get; init; }
}

/// <summary>WAF's request logs: a CloudWatch log group <c>aws-waf-logs-NAME-STACKUUID</c> (WAF's required prefix).</summary>
public sealed record WafLogging
{
    /// <summary>The log group's name between <c>aws-waf-logs-</c> and the stack's own id.</summary>
    public required string Name { get; init; }

    public required RetentionDays Retention { get; init; }
    public required RemovalPolicy RemovalPolicy { get; init; }
    public IKey? Key { get; init; }
}

/// <summary>
/// An AWS WAF web ACL on the load balancer: the AWS managed common rule set, then a per-IP rate
/// limit. WAF sees the HTTP requests and each WebSocket upgrade, never the frames after it, so the
/// rate limit bounds connection attempts, and the frames are left to the app's own limits.
/// </summary>
public sealed class EdgeProtection : Construct
{
    /// <summary>
    /// Common-rule-set rules counted instead of blocking: non-browser clients (the .NET client's
    /// ClientWebSocket) send no User-Agent, and a browser's token travels in the query string
    /// (<c>access_token</c>), which can pass the rule set's 2 KB query limit.
    /// </summary>
    public static readonly IReadOnlyList<string> CountedCommonRules = ["NoUserAgent_HEADER", "SizeRestrictions_QUERYSTRING"];

    public EdgeProtection(Construct scope, string id, EdgeProtectionProps props)
        : base(scope, id)
    {
        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("realtime-web-acl"),
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = "AwsCommonRules",
                    Priority = 0,
                    OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty
                        {
                            VendorName = "AWS",
                            Name = "AWSManagedRulesCommonRuleSet",
                            // Not for the server API: its bodies are JSON of up to MaxMessageBytes, which the
                            // body-size and cross-site rules would block with the same 403 as a wrong key. The
                            // public listeners refuse /api/* themselves; the API listener admits only listed addresses.
                            ScopeDownStatement = new CfnWebACL.StatementProperty
                            {
                                NotStatement = new CfnWebACL.NotStatementProperty
                                {
                                    Statement = new CfnWebACL.StatementProperty
                                    {
                                        ByteMatchStatement = new CfnWebACL.ByteMatchStatementProperty
                                        {
                                            FieldToMatch = new CfnWebACL.FieldToMatchProperty { UriPath = new Dictionary<string, object>() },
                                            PositionalConstraint = "STARTS_WITH",
                                            SearchString = "/api/",
                                            TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "NONE" } },
                                        },
                                    },
                                },
                            },
                            RuleActionOverrides = CountedCommonRules.Select(rule => (object)new CfnWebACL.RuleActionOverrideProperty
                            {
                                Name = rule,
                                ActionToUse = new CfnWebACL.RuleActionProperty { Count = new CfnWebACL.CountActionProperty() },
                            }).ToArray(),
                        },
                    },
                    VisibilityConfig = Visibility("realtime-common-rules"),
                },
                new CfnWebACL.RuleProperty
                {
                    Name = "PerIpRateLimit",
                    Priority = 1,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty
                        {
                            Limit = props.RateLimitPer5Minutes,
                            AggregateKeyType = "IP",
                        },
                    },
                    VisibilityConfig = Visibility("realtime-rate-limit"),
                },
            },
        });

        _ = new CfnWebACLAssociation(this, "Association", new CfnWebACLAssociationProps
        {
            ResourceArn = props.LoadBalancerArn,
            WebAclArn = WebAcl.AttrArn,
        });

        if (props.Logging is { } logging)
        {
            LogGroup = new LogGroup(this, "Logs", new LogGroupProps
            {
                // The stack's own id at the end: a retained group of a deleted stack must not block a
                // new one of the same name (this stack is meant to be destroyed and made again).
                LogGroupName = $"{LogGroupPrefix}{logging.Name}-{Fn.Select(2, Fn.Split("/", Aws.STACK_ID))}",
                Retention = logging.Retention,
                RemovalPolicy = logging.RemovalPolicy,
                EncryptionKey = logging.Key,
            });
            // WAF wants the group's ARN without the ':*' the L2 appends; it adds the group's resource
            // policy for log delivery itself when this configuration is created.
            var stack = Stack.Of(this);
            _ = new CfnLoggingConfiguration(this, "Logging", new CfnLoggingConfigurationProps
            {
                ResourceArn = WebAcl.AttrArn,
                LogDestinationConfigs = [stack.FormatArn(new ArnComponents
                {
                    Service = "logs",
                    Resource = "log-group",
                    ResourceName = LogGroup.LogGroupName,
                    ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                })],
                // Credentials never reach the logs: the API key or bearer token (Authorization) and the
                // browser's access_token, which travels in the query string (WAF redacts it whole).
                RedactedFields = new object[]
                {
                    new CfnLoggingConfiguration.FieldToMatchProperty { SingleHeader = new Dictionary<string, object> { ["Name"] = "authorization" } },
                    new CfnLoggingConfiguration.FieldToMatchProperty { QueryString = new Dictionary<string, object>() },
                },
            });
        }
    }

    /// <summary>WAF logs only to log groups whose names start with this.</summary>
    public const string LogGroupPrefix = "aws-waf-logs-";

    /// <summary>WAF's request logs, when <see cref="EdgeProtectionProps.Logging"/> is set.</summary>
    public LogGroup? LogGroup { get; }

    public CfnWebACL WebAcl { get; }

    private static CfnWebACL.VisibilityConfigProperty Visibility(string metricName) => new()
    {
        CloudWatchMetricsEnabled = true,
        MetricName = metricName,
        SampledRequestsEnabled = true,
    };
}
