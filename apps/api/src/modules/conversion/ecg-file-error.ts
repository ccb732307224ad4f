import { AppError } from '#src/common/errors.js';

/** A cart's file that cannot be read: the reason says what is wrong with it, so the centre can fix it. */
export function ecgFileInvalid(format: string, reason: string): AppError {
  return new AppError('ECG_FILE_INVALID', `This ${format} file cannot be read: ${reason}`, { format, reason });
}

/** A readable cart's file in an encoding that Zhiyin does not decode (rather than show it wrong). */
export function ecgFileUnsupported(format: string, reason: string): AppError {
  return new AppError('ECG_FILE_UNSUPPORTED', `This ${format} file uses ${reason}, which Zhiyin cannot read yet.`, {
    format,
    reason,
  });
}
