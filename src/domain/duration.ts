/**
 * Durations as people type them in commands: `90s`, `10m`, `6h`, `7d`, `2w`. A bare number is
 * refused: "since 10" says nothing about its unit.
 */
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, max: { ms: number; label: string }): { ok: true; ms: number } | { ok: false; message: string } {
  const match = /^(\d{1,6})\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (!match?.[1] || !match[2]) return { ok: false, message: `\`${text}\` is not a duration: use a number and a unit, like 10m, 6h or 7d.` };
  const ms = Number(match[1]) * (UNIT_MS[match[2].toLowerCase()] ?? 0);
  if (ms <= 0) return { ok: false, message: "A duration must be longer than 0." };
  if (ms > max.ms) return { ok: false, message: `At most ${max.label}.` };
  return { ok: true, ms };
}
