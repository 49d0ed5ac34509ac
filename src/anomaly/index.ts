export { StreamingDetector, DEFAULT_OPTIONS, type DetectorOptions, type DetectorState } from './detector';
export { parseSeriesCsv, parseTimestamp, CsvError, type Point } from './csv';
export { scoreSeries } from './score-file';
