// adapter → recognising DynamoDB's answer to a conditional write whose condition did not hold.
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
