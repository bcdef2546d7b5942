// local/codearts-simulator → the error bodies CodeArts and its gateway actually send, as seen from the live
// service.

export interface SimErrorResponse {
  status: number;
  body: unknown;
  /** Overrides the JSON content type (the live service sends some errors as text/html). */
  contentType?: string;
  headers?: Record<string, string>;
}

/** Thrown inside request handling; the HTTP layer turns it into the response it carries. */
export class SimHttpError extends Error {
  readonly response: SimErrorResponse;
  constructor(response: SimErrorResponse) {
    // Programmatic callers (startRun while running, deleteTask of an unknown ID) see this message.
    const body = response.body as { error_code?: unknown; error_msg?: unknown } | null;
    const detail =
      typeof body?.error_code === 'string' ? ` ${body.error_code}: ${String(body.error_msg)}` : '';
    super(`HTTP ${response.status}${detail}`);
    this.response = response;
  }
}

export const IAM_AUTH_PREFIX = 'Incorrect IAM authentication information: ';

/** API Gateway shape: flat `error_code`/`error_msg` plus the request ID. */
export const gatewayError = (
  status: number,
  code: string,
  message: string,
  requestId: string,
): SimHttpError =>
  new SimHttpError({ status, body: { error_code: code, error_msg: message, request_id: requestId } });

/** Inner `error.code` values of the live dual shape; only DEV-12-10303 was observed, the rest follow its pattern. */
const INNER_CODES: Record<string, string> = {
  'Deploy.00011303': 'DEV-12-10303',
  'Deploy.00011020': 'DEV-12-10020',
  'Deploy.00011027': 'DEV-12-10027',
  'Deploy.00011154': 'DEV-12-10154',
  'Deploy.00016902': 'DEV-12-16902',
};

/** The live "dual shape": `error{code,reason}` + `status:"error"` + flat `error_code`/`error_msg`. */
export const deployError = (
  status: number,
  code: string,
  message: string,
  options: { html?: boolean } = {},
): SimHttpError =>
  new SimHttpError({
    status,
    body: {
      error: { code: INNER_CODES[code] ?? 'DEV-12-10000', reason: message },
      status: 'error',
      error_code: code,
      error_msg: message,
    },
    ...(options.html ? { contentType: 'text/html; charset=UTF-8' } : {}),
  });

/** The documented shape `{"error":{"code","message"},"status":"failed"}`, used for parameter validation. */
export const paramError = (message: string): SimHttpError =>
  new SimHttpError({ status: 400, body: { error: { code: 'DEV.CH.10001', message }, status: 'failed' } });

export const MSG = {
  noRecord: '无执行记录',
  noTask: 'The application does not exist or has been deleted.',
  running: 'The application is being deployed. Try again later.',
  noProject: '项目不存在',
  noPermission: 'Insufficient permissions.',
} as const;
