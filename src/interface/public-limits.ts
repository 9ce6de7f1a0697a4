/** Route config for the endpoints open to devices (see client-limits.ts). */
export function publicRoute(options: { guessLimited: boolean }) {
  return { publicLimited: true, guessLimited: options.guessLimited };
}

/** OpenAPI: no credential needed. */
export const open = [] as { [name: string]: string[] }[];
