/**
 * `count` distinct items of `items` in random order (a partial Fisher–Yates shuffle of a copy);
 * `count` of items.length shuffles them all. `random` is injectable so tests can pick
 * deterministically; a source that returns 1 stays in range.
 */
export function randomSample<T> (items: readonly T[], count: number, random: () => number = Math.random): T[] {
  const copy = [...items]
  const n = Math.min(count, copy.length)
  for (let i = 0; i < n; i++) {
    const j = Math.min(copy.length - 1, i + Math.floor(random() * (copy.length - i)))
    const item = copy[j] as T
    copy[j] = copy[i] as T
    copy[i] = item
  }
  return copy.slice(0, n)
}
