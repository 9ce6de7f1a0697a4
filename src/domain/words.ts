/** A count and its noun in the right number: `1 key`, `2 keys`, `1,000 keys`. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}
