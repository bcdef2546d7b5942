// core/render → the "Open in CodeArts" link: a configurable template (CODEARTS_CONSOLE_URL) expanded per run.

/**
 * Where "Open in CodeArts" points by default. CodeArts Deploy console routes are not part of the public API
 * and can differ per site, so deployments that know their console URL set CODEARTS_CONSOLE_URL instead.
 */
export const DEFAULT_CONSOLE_URL_TEMPLATE =
  'https://devcloud.{region}.huaweicloud.com/deployman/project/task/{task_id}/record/{record_id}';

/** Replaces every `{region}`, `{task_id}` and `{record_id}` with the URL-encoded value; other text is kept. */
export function expandConsoleUrl(
  template: string,
  v: { region: string; taskId: string; recordId: string },
): string {
  const values: Record<string, string> = { region: v.region, task_id: v.taskId, record_id: v.recordId };
  return template.replace(/\{(region|task_id|record_id)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? ''),
  );
}
