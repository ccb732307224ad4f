/**
 * The subset of npm `dicom-parser` 1.8.21 this package uses, typed locally (its bundled typings describe an
 * `inflater` returning void and elements without the fields read here). Internal to the package.
 */
import dicomParser from 'dicom-parser';

/** A fragment of encapsulated pixel data. */
export interface ParserFragment {
  /** Offset of the fragment's item tag, relative to the first item after the basic offset table. */
  offset: number;
  /** Absolute offset of the fragment's data in the byte array. */
  position: number;
  /** Length of the fragment's data. */
  length: number;
}

/** One parsed element. */
export interface ParserElement {
  /** `xggggeeee`, lower-case. */
  tag: string;
  vr?: string;
  length: number;
  dataOffset: number;
  items?: ParserItem[];
  hadUndefinedLength?: boolean;
  encapsulatedPixelData?: boolean;
  basicOffsetTable?: number[];
  fragments?: ParserFragment[];
}

/** One sequence item. */
export interface ParserItem {
  tag: string;
  length: number;
  dataOffset: number;
  dataSet?: ParserDataSet;
  hadUndefinedLength?: boolean;
}

/** A parsed data set (the root or a sequence item). */
export interface ParserDataSet {
  byteArray: Uint8Array;
  elements: Record<string, ParserElement>;
  warnings?: string[];
}

/** Options of `parseDicom`. */
export interface ParserOptions {
  TransferSyntaxUID?: string;
  untilTag?: string;
  vrCallback?: (tag: string) => string | undefined;
  inflater?: (bytes: Uint8Array, position: number) => Uint8Array;
}

/** dicom-parser's byte order helper objects. */
export type ByteArrayParser = object;

/** dicom-parser's ByteStream (a cursor over the bytes). */
export interface ParserByteStream {
  position: number;
  warnings: string[];
}

interface DicomParserModule {
  parseDicom(bytes: Uint8Array, options?: ParserOptions): ParserDataSet;
  readPart10Header(bytes: Uint8Array, options?: ParserOptions): ParserDataSet & { position: number };
  parseDicomDataSetExplicit(
    dataSet: ParserDataSet,
    byteStream: ParserByteStream,
    maxPosition: number,
    options?: { untilTag?: string },
  ): void;
  ByteStream: new (byteArrayParser: ByteArrayParser, bytes: Uint8Array, position: number) => ParserByteStream;
  DataSet: new (
    byteArrayParser: ByteArrayParser,
    bytes: Uint8Array,
    elements: Record<string, ParserElement>,
  ) => ParserDataSet;
  littleEndianByteArrayParser: ByteArrayParser;
}

/** dicom-parser's entry points, with the local types. */
export const parser = dicomParser as unknown as DicomParserModule;
