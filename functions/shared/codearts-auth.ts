// How the notifier signs in to CodeArts: the one type the configuration produces (functions/config.ts, from the
// HUAWEI_* variables) and the CodeArts client consumes (adapters/codearts/client.ts).

/** An IAM user's password, exchanged for a project-scoped token (adapters/codearts/iam-token.ts). */
export interface PasswordAuth {
  domainName: string;
  userName: string;
  password: string;
  /** IAM project of the client's default region; other regions use their default project (named like the region). */
  projectName?: string;
}

export type CodeArtsAuth =
  | ({ type: 'password' } & PasswordAuth)
  /** AK/SK request signing; a temporary key pair also has a security token. */
  | { type: 'aksk'; accessKey: string; secretKey: string; securityToken?: string; projectId?: string }
  /** A ready IAM token (HUAWEI_AUTH_TOKEN), sent as it is. */
  | { type: 'token'; token: string };
