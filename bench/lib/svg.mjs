// A small hand-written SVG: one panel per measure, a horizontal bar per subject, bars
// scaled to the panel's largest value, the value written beside each bar. Steward's bar
// is dark, the limit's hatched-grey, peers' light.
const esc = (s) => String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function renderSvg(rows, machine) {
  const panels = new Map();
  for (const r of rows) {
    const title = [r.figure, r.metric, r.services === null ? null : `${r.services} svc`, r.variant, r.mode].filter((x) => x !== null).join(" · ");
    if (!panels.has(title)) panels.set(title, []);
    panels.get(title).push(r);
  }
  const width = 760;
  const labelWidth = 170;
  const barMax = width - labelWidth - 150;
  const bar = 16;
  let y = 40;
  const parts = [];
  for (const [title, list] of panels) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(title)}${list[0].better === "higher" ? " (higher is better)" : " (lower is better)"}</text>`);
    y += 8;
    const max = Math.max(...list.map((r) => r.value ?? 0), 1e-9);
    for (const r of list) {
      const w = r.value === null ? 0 : Math.max(1, (r.value / max) * barMax);
      const fill = r.subject === "steward" ? "#1f4e79" : r.subject === "limit" ? "#999999" : "#9dc3e6";
      const text = r.value === null ? (r.note ?? "skipped") : `${Number(r.value.toPrecision(4))} ${r.unit}`;
      parts.push(`<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${esc(r.subject)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${fill}"/>`);
      parts.push(`<text x="${labelWidth + w + 6}" y="${y + 12}">${esc(text.length > 60 ? `${text.slice(0, 57)}...` : text)}</text>`);
      y += bar + 4;
    }
    y += 22;
  }
  const caption = `steward benchmarks: ${machine.cpu}, ${machine.cores} cores, Linux ${machine.kernel}, Node ${machine.node}, ${machine.date}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14">${esc(caption)}</text>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}
