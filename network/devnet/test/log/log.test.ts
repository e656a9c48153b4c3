import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DevnetLog,
  ProcessOutputLog,
  RotatingLogFile,
  escapeControlCharacters,
  sanitizeProcessOutput,
} from '../../src/log';

describe('devnet logs', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-log-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('escape control characters (a composite key) and keep tabs and line feeds', () => {
    expect(escapeControlCharacters('\u0000asset\u0000alice\u00001\u0000')).toBe(
      '\\u0000asset\\u0000alice\\u00001\\u0000',
    );
    expect(escapeControlCharacters('a\tb\nc\rd\u001be\u007f\u2028')).toBe(
      'a\tb\nc\\u000dd\\u001be\\u007f\\u2028',
    );
    expect(sanitizeProcessOutput('\u001b[31merror\u001b[39m key \u0000k')).toBe('error key \\u0000k');
  });

  it('write one record per call, further lines indented so a value cannot forge a record', () => {
    const echoed: string[] = [];
    const file = path.join(dir, 'devnet.log');
    const log = new DevnetLog({
      path: file,
      echo: (line) => echoed.push(line),
      now: () => new Date('2025-01-02T03:04:05.000Z'),
    });
    log.write('conflict on key [\u0000asset\u0000a\u0000]');
    log.write('value with a line break\n2025-01-02T03:04:05.000Z forged record');
    log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('\u0000');
    expect(text.split('\n')).toEqual([
      '2025-01-02T03:04:05.000Z conflict on key [\\u0000asset\\u0000a\\u0000]',
      '2025-01-02T03:04:05.000Z value with a line break',
      '    2025-01-02T03:04:05.000Z forged record',
      '',
    ]);
    expect(echoed[0]).toBe('conflict on key [\\u0000asset\\u0000a\\u0000]');
  });

  it('cap a file at its size and keep one rotated file, holding the most recent lines', () => {
    const file = path.join(dir, 'cc.log');
    const log = new RotatingLogFile({ path: file, maxBytes: 100 });
    const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(3, '0')}\n`); // 9 bytes each
    for (const line of lines) log.write(line);
    log.close();
    expect(statSync(file).size).toBeLessThanOrEqual(100);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(100);
    expect(existsSync(`${file}.2`)).toBe(false);
    const kept = readFileSync(`${file}.1`, 'utf8') + readFileSync(file, 'utf8');
    expect(lines.join('').endsWith(kept)).toBe(true);
    expect(kept).toContain('line 029');
  });

  it("log a process's output line by line, escaped, and keep its end for error messages", async () => {
    const file = path.join(dir, 'cc.log');
    const output = new ProcessOutputLog({ path: file, tailChars: 20 });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    output.note('=== launching');
    output.follow(stdout);
    output.follow(stderr);
    stdout.write('\u001b[32minfo\u001b[39m first ');
    stdout.write(Buffer.from('line é\n'.normalize(), 'utf8').subarray(0, 8)); // split inside a character
    stdout.write(Buffer.from('line é\n', 'utf8').subarray(8));
    stderr.end('key \u0000k\nunterminated');
    stdout.end();
    await output.drained();
    expect(readFileSync(file, 'utf8')).toBe('=== launching\ninfo first line é\nkey \\u0000k\nunterminated\n');
    expect(output.tail()).toBe('key \\u0000k\nunterminated\n'.slice(-20));
  });
});
