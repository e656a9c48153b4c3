export { escapeControlCharacters, sanitizeProcessOutput, formatRecord } from './escape';
export { RotatingLogFile, DEFAULT_LOG_MAX_BYTES, type RotatingLogFileOptions } from './rotating-file';
export { DevnetLog, type DevnetLogOptions } from './devnet-log';
export { ProcessOutputLog, type ProcessOutputLogOptions } from './process-output';
