// Composition root of the api Lambda (wired in the registration work).
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 503, body: '{}' });
