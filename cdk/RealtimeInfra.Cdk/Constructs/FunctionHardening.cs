using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>
/// What the compliance packs ask of a function (LambdaConcurrency, LambdaDLQ): a concurrency of its
/// own, so a flood of events can neither starve nor be starved by the account's other functions, and
/// a dead-letter queue that keeps the events of asynchronous invocations that failed every retry.
/// </summary>
public static class FunctionHardening
{
    /// <summary>
    /// Reserves <paramref name="concurrency"/> for the function and, when it is invoked asynchronously,
    /// gives it an encrypted dead-letter queue kept 14 days. Reserved concurrency needs the account's
    /// unreserved concurrency to stay at 100 or more (docs/compliance.md).
    /// </summary>
    public static Queue? Apply(Construct scope, Function function, int concurrency, bool asynchronous)
    {
        var cfn = (CfnFunction)function.Node.DefaultChild!;
        cfn.ReservedConcurrentExecutions = concurrency;
        if (!asynchronous)
        {
            return null;
        }

        var queue = new Queue(scope, "DeadLetters", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        cfn.DeadLetterConfig = new CfnFunction.DeadLetterConfigProperty { TargetArn = queue.QueueArn };
        queue.GrantSendMessages(function);
        NagSuppressions.Add(queue,
            new NagSuppression("AwsSolutions-SQS3", "This queue is itself the dead-letter queue of a function's asynchronous invocations."));
        return queue;
    }
}
