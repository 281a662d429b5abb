using Amazon.CDK.AWS.Lambda;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>The stack's own small Lambda handlers: one Node runtime, sources embedded from Functions/.</summary>
public static class NodeFunctions
{
    /// <summary>
    /// Newer than aws-cdk-lib 2.160 knows: its newest, nodejs20.x, stops accepting new functions in
    /// February 2027. The handlers use only Node's own modules and the runtime's bundled AWS SDK v3.
    /// </summary>
    public static readonly Runtime Runtime = new("nodejs24.x", RuntimeFamily.NODEJS, new LambdaRuntimeProps { SupportsInlineCode = true });

    /// <summary>The AWS-managed policies Lambda gives a function in a VPC, accepted on its role with their reasons.</summary>
    public static void AcceptVpcFunctionRole(Function function)
    {
        if (function.Role is { } role)
        {
            NagSuppressions.Add(role,
                new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "The AWS-managed policy Lambda functions write their logs with; scoped to logging only."),
                new NagSuppression("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                    "The AWS-managed policy a function in a VPC needs to manage its network interfaces."));
        }
    }

    /// <summary>A handler's source, embedded in this assembly from Functions/NAME.</summary>
    public static string ReadSource(string name)
    {
        using var stream = typeof(NodeFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {typeof(NodeFunctions).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
