// Offline evaluation shared by the detector and the predictor: series CSVs, NAB windows and
// NAB's scorer. Import it through this file.
export { parseTimestamp, readSeriesCsv, type SeriesTable } from './csv.js';
export { findCsvFiles } from './find-csv.js';
export { readWindowsFile } from './windows-file.js';
export * from './nab/index.js';
export { samplingInterval } from './sampling-interval.js';
