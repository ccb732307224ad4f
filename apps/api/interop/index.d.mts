// Types of index.mjs (the interop modules are plain JavaScript so that `npm run interop:ohif` runs on Node alone).
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Probe {
  drawn: boolean;
  width: number;
  height: number;
  lit: number;
  levels: number;
  at: number;
}
export interface Sample {
  name: string;
  file: Buffer;
  syntax: string;
  syntaxUid: string;
  study: string;
  series: string;
  sop: string;
  modality: string;
  frames: number;
  patientId: string;
}
export function launchChromium(): Promise<Browser>;
export function imageState(o: {
  selector: string;
  final?: boolean;
}): false | { drawn: boolean; at?: number; probe: Probe | null };
export function waitForImage(
  page: Page,
  o: { selector: string; timeoutMs: number },
): Promise<{ drawn: boolean; at?: number; probe?: Probe | null }>;
export const OHIF_CANVAS: string;
export function listedStudies(
  context: BrowserContext,
  ohifUrl: string,
  expected: number,
): Promise<{ uids: Set<string>; rows: number }>;
export function studyDrawn(
  context: BrowserContext,
  ohifUrl: string,
  studyUid: string,
  o?: { timeoutMs?: number; screenshot?: string },
): Promise<{ drawn: boolean; at?: number; probe?: Probe | null; refused: string[] }>;
export const DICOMWEB_ROOT: string;
export const OHIF_APP: { version: string; integrity: string };
export function ohifDist(): { dir: string; version: string };
export function appConfig(): string;
export function startOhifServer(o: {
  zhiyin: string;
  token: (path: string) => Promise<string>;
  port?: number;
}): Promise<{ url: string; version: string; close(): Promise<void> }>;
export function loadSamples(dicomDir: string, only?: string[]): Sample[];
export function signIn(origin: string, username: string, password: string): Promise<string>;
export function stowOne(origin: string, token: string, file: Buffer): Promise<string | undefined>;
