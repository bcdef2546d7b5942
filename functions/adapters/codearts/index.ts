// adapters/codearts → the CodeArts Deploy HTTP client and its AK/SK signer.
export type { CodeArtsAuth } from '../../shared/codearts-auth.js';
export {
  CodeArtsClient,
  type CodeArtsClientOptions,
  DEFAULT_TIMEOUT_MS,
  defaultDeployEndpoint,
  defaultIamEndpoint,
} from './client.js';
export { classify, DEFAULT_RETRY_AFTER_MS, parseErrorFields } from './errors.js';
export { TOKEN_REFRESH_MARGIN_MS } from './iam-token.js';
export { type AkSkCredentials, canonicalRequest, signRequest } from './signer.js';
