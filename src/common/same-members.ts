/** Do two lists hold the same values, whatever their order and repeats? (A role's permissions, a team's roles or devices.) */
export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((value) => set.has(value));
}
