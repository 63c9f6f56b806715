// A certificate fingerprint as two people compare it across two screens: eight bytes a
// line, never broken inside a byte (the administrator's 加入新电脑 and the new PC's
// 加入办理点 show it the same way).
export function fingerprintLines(fingerprint: string): string[] {
  const bytes = fingerprint.split(":");
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) lines.push(bytes.slice(i, i + 8).join(":"));
  return lines;
}
