// local/codearts-simulator → the answers of response faults: what a refusing, throttling, failing or
// garbling gateway sends instead of the Deploy API's answer.
import { gatewayError } from './errors.js';
import type { ResponseFault } from './faults.js';
import type { Reply } from './simulator.js';

export const API_NOT_FOUND = 'The API does not exist or has not been published in the environment';

export const gatewayReply = (status: number, code: string, message: string, requestId: string): Reply => ({
  ...gatewayError(status, code, message, requestId).response,
});

export const faultReply = (
  fault: Exclude<ResponseFault, { kind: 'hang' | 'slow' | 'flood' }>,
  requestId: string,
): Reply => {
  switch (fault.kind) {
    case 'unauthorized':
      return gatewayReply(
        401,
        'APIG.0301',
        fault.message ?? 'Incorrect IAM authentication information: decrypt token fail',
        requestId,
      );
    case 'throttle':
      return {
        ...gatewayReply(
          429,
          'APIG.0308',
          'The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute',
          requestId,
        ),
        ...(fault.retryAfterSeconds === undefined
          ? {}
          : { headers: { 'Retry-After': String(fault.retryAfterSeconds) } }),
      };
    case 'server-error':
      return gatewayReply(
        fault.status ?? 500,
        fault.code ?? 'APIG.0203',
        fault.message ?? 'Backend unavailable',
        requestId,
      );
    case 'refused': {
      const code = fault.code ?? 'APIG.0302';
      const notServed = code === 'APIG.0101';
      return gatewayReply(
        fault.status ?? (notServed ? 404 : 403),
        code,
        fault.message ??
          (notServed
            ? API_NOT_FOUND
            : 'Incorrect IAM authentication information: the IAM user is not authorized'),
        requestId,
      );
    }
    case 'html': {
      const status = fault.status ?? 502;
      return {
        status,
        contentType: 'text/html; charset=UTF-8',
        body: `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
      };
    }
    case 'malformed-json':
      return { status: fault.status ?? 200, body: '{"status":"success","result":{"record_id":"' };
    case 'wrong-shape':
      return {
        status: fault.status ?? 200,
        body: JSON.stringify(fault.body ?? { status: 'success', data: { unexpected: true } }),
      };
  }
};
