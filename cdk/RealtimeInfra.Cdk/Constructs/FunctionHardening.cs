using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace RealtimeInfra.Cdk.Constructs;

/// <summary>
/// What the compliance packs ask of a function invoked asynchronously (LambdaDLQ): a dead-letter queue
/// that keeps the events that failed every retry. (Its own concurrency, LambdaConcurrency, is
/// <see cref="VpcNodeFunction.ReservedConcurrency"/>.)
/// </summary>
public static class FunctionHardening
{
    /// <summary>An encrypted dead-letter queue kept 14 days for <paramref name="function"/>'s asynchronous invocations.</summary>
    public static Queue AddDeadLetterQueue(Construct scope, Function function)
    {
        var queue = new Queue(scope, "DeadLetters", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        ((CfnFunction)function.Node.DefaultChild!).DeadLetterConfig = new CfnFunction.DeadLetterConfigProperty { TargetArn = queue.QueueArn };
        queue.GrantSendMessages(function);
        NagSuppressions.Add(queue,
            new NagSuppression("AwsSolutions-SQS3", "This queue is itself the dead-letter queue of a function's asynchronous invocations."));
        return queue;
    }
}
