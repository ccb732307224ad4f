/**
 * @zhiyin/dicom — pure TypeScript DICOM for the API and the browser: Part 10 header and full parsing on top of
 * dicom-parser, one error type, instance validation, character sets, the DICOM JSON model, pixel data frames,
 * ECG waveform decoding and heart rate.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './parse.js';
export * from './summary.js';
export * from './person-name.js';
export * from './validate.js';
export * from './dicom-json.js';
export * from './pixel-data.js';
export * from './ecg.js';
export * from './heart-rate.js';
export * from './cart-format.js';
export * from './transfer-syntax.js';
export type { DicomDataset, BulkElementLocation } from './dataset.js';
export { decodeText, parseSpecificCharacterSet, isKnownCharacterSet } from './charset.js';
export { lookupTag, keywordOf, tagOf, describeTag } from './dictionary.js';
export type { DictionaryEntry } from './dictionary.js';
export * from './slice-order.js';
