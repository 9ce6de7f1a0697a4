import type { GuessFamily } from '../services/limits/guess-budget.ts';

/** Route config for the endpoints open to devices (see client-limits.ts). */
export function publicRoute(options: { guessLimited: GuessFamily | false; secretAnswer?: boolean }) {
  return { publicLimited: true, guessLimited: options.guessLimited, secretAnswer: options.secretAnswer ?? false };
}

/** OpenAPI: no credential needed. */
export const open = [] as { [name: string]: string[] }[];
