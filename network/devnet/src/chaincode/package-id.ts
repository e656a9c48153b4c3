import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Folders that do not define the chaincode (dependencies, VCS, test output) and would make hashing slow. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'coverage', '.nyc_output']);

/**
 * A Fabric-style package id `<label>:<sha256 hex>` for a chaincode folder: the hash covers every file's relative
 * path and content (sorted, dependencies excluded), so any change to the code gives a new id — as a new package
 * would on a real peer — and an unchanged folder keeps its id.
 */
export async function computePackageId(label: string, folder: string): Promise<string> {
  const hash = createHash('sha256');
  const files = await listFiles(path.resolve(folder));
  for (const file of files) {
    hash.update(file.relative.split(path.sep).join('/'));
    hash.update('\u0000');
    hash.update(await fs.readFile(file.absolute));
    hash.update('\u0000');
  }
  return `${label}:${hash.digest('hex')}`;
}

interface FileEntry {
  readonly absolute: string;
  readonly relative: string;
}

async function listFiles(root: string): Promise<FileEntry[]> {
  const result: FileEntry[] = [];
  const walk = async (directory: string): Promise<void> => {
    const entries = await fs.readdir(directory, { withFileTypes: true });
    for (const entry of entries) {
      const absolute = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(absolute);
      } else if (entry.isFile()) {
        result.push({ absolute, relative: path.relative(root, absolute) });
      }
    }
  };
  await walk(root);
  return result.sort((a, b) => Buffer.compare(Buffer.from(a.relative), Buffer.from(b.relative)));
}
