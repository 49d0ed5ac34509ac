import { StreamingDetector, type DetectorOptions } from './detector';
import type { Point } from './csv';

/** Scores a series point by point with one fresh detector: NAB's output CSV, header included. */
export function scoreSeries(points: readonly Point[], options?: Partial<DetectorOptions>): string {
  const detector = new StreamingDetector(options);
  const out: string[] = ['timestamp,value,anomaly_score'];
  for (const p of points) {
    const s = detector.update(p.value, p.ms);
    out.push(`${p.timestamp},${p.value},${Number(s.toFixed(6))}`);
  }
  return `${out.join('\n')}\n`;
}
