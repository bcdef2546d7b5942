// handlers → the configuration of a warm Lambda container, kept current, so a rotated secret (API key, Slack
// signing secret or bot token, Huawei credential) reaches running functions within SECRET_MAX_AGE_SECONDS and
// the old value stops working then.
//
//   const config = liveConfig({ required: ['TABLE_NAME'] });
//   const codearts = rebuiltOnChange((c) => c.codearts, buildCodeArts);
//   handler: const current = await config.current(); … codearts(current) …
//
// `current()` re-reads the `*_SECRET_ARN` secrets through Powertools' cached getSecret: within `maxAge` a read is
// answered from memory, after it Secrets Manager is asked again. `rebuiltOnChange` keeps a client (and its IAM
// token cache, its connections) until a value it is built from changes.
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError, type NotifierConfig, parseConfig, TABLE_NAME_MISSING, withSecrets } from '../config.js';

/** How stale a secret may be: the documented rotation time (lib/README.md). */
export const SECRET_MAX_AGE_SECONDS = 300;

type Env = Record<string, string | undefined>;

export interface LiveConfigOptions {
  /** Default process.env (read on every call, like the secrets). */
  env?: () => Env;
  /** Default {@link SECRET_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number;
  /** Reads a secret's string, caching it for `maxAgeSeconds`; default Powertools' getSecret. */
  readSecret?: (arn: string, maxAgeSeconds: number) => Promise<string | undefined>;
  /** Variables this function cannot run without (beyond what parseConfig checks), each with its fix. */
  required?: ReadonlyArray<'TABLE_NAME'>;
}

export interface LiveConfig {
  /** The configuration as of now, secrets at most `maxAgeSeconds` old. Rejects with ConfigError when invalid. */
  current(): Promise<NotifierConfig>;
}

const powertoolsSecret = async (arn: string, maxAgeSeconds: number): Promise<string | undefined> => {
  const value = await getSecret(arn, { maxAge: maxAgeSeconds });
  return typeof value === 'string' ? value : undefined;
};

const REQUIRED_FIX: Record<'TABLE_NAME', string> = { TABLE_NAME: TABLE_NAME_MISSING };

export const liveConfig = (options: LiveConfigOptions = {}): LiveConfig => {
  const env = options.env ?? (() => process.env);
  const maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  const readSecret = options.readSecret ?? powertoolsSecret;
  // Parsing is cheap, but the same values give the same object, so rebuiltOnChange compares little.
  let last: { merged: string; config: NotifierConfig } | null = null;
  return {
    current: async () => {
      const merged = await withSecrets(env(), (arn) => readSecret(arn, maxAge));
      const fingerprint = JSON.stringify(merged);
      if (last !== null && last.merged === fingerprint) return last.config;
      const config = parseConfig(merged);
      const missing = (options.required ?? []).filter((name) => name === 'TABLE_NAME' && !config.table.name);
      if (missing.length > 0) throw new ConfigError(missing.map((name) => REQUIRED_FIX[name]));
      last = { merged: fingerprint, config };
      return config;
    },
  };
};

/**
 * `build(config)`, kept while `key(config)` stays the same (compared as JSON) and built again when it changes:
 * a client is rebuilt when, and only when, the values it depends on were rotated.
 */
export const rebuiltOnChange = <T>(
  key: (config: NotifierConfig) => unknown,
  build: (config: NotifierConfig) => T,
): ((config: NotifierConfig) => T) => {
  let built: { key: string; value: T } | null = null;
  return (config) => {
    const current = JSON.stringify(key(config));
    if (built === null || built.key !== current) built = { key: current, value: build(config) };
    return built.value;
  };
};
