/** Route config for the endpoints open to devices (see client-limits.ts). */
export function publicRoute(options: { guessLimited: boolean; secretAnswer?: boolean }) {
  return { publicLimited: true, guessLimited: options.guessLimited, secretAnswer: options.secretAnswer ?? false };
}

/** OpenAPI: no credential needed. */
export const open = [] as { [name: string]: string[] }[];
