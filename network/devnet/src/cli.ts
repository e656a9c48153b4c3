#!/usr/bin/env node
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATA_DIR, DEFAULT_OPTIONS, dataPaths, type DevnetOptions } from './config';
import { readConnectionProfile } from './connection';
import { startDevnet } from './devnet';
import { callAdmin, readJsonFile } from './gateway/admin';

const USAGE = `Usage: devnet <command> [options]

Commands:
  start   [--orgs 3] [--port 7051] [--data .devnet] [--batch-size 500] [--batch-timeout 2000]
          [--fabric-batching] [--plaintext]       run the devnet in the foreground
  deploy  <name> <path|host:port> [--policy MAJORITY] [--collections file.json] [--inspect[=port]] [--data .devnet]
                                                  start (or connect to) a chaincode and make it callable
  status  [--data .devnet]                        show whether it runs, its endpoint, height and chaincodes
  stop    [--data .devnet]                        stop a running devnet

The connection file for clients is <data>/connection.json. deploy and status talk to the running devnet's admin
endpoint on 127.0.0.1, signed with Org1's admin identity from the data folder.`;

interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/** Parses `--name value`, `--name=value` and boolean `--name` flags. */
export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (booleanFlags.has(arg.slice(2))) {
      flags.set(arg.slice(2), true);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  return { positional, flags };
}

class UsageError extends Error {}

function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function intFlag(args: ParsedArgs, name: string): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

function dataDir(args: ParsedArgs): string {
  return path.resolve(stringFlag(args, 'data') ?? process.env.DEVNET_DATA ?? DEFAULT_DATA_DIR);
}

interface RuntimeFile {
  readonly pid: number;
  readonly endpoint: string;
  readonly adminPort: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runtimeOf(dir: string): Promise<RuntimeFile | undefined> {
  const runtime = await readJsonFile<RuntimeFile>(dataPaths(dir).runtime);
  return runtime && alive(runtime.pid) ? runtime : undefined;
}

async function adminIdentity(dir: string): Promise<{ mspId: string; certPath: string; keyPath: string }> {
  const profile = await readConnectionProfile(dataPaths(dir).connection);
  const org = profile.orgs[0];
  if (!org) throw new Error('the connection file lists no organisation');
  return { mspId: org.mspId, certPath: org.admin.certPath, keyPath: org.admin.keyPath };
}

async function start(args: ParsedArgs): Promise<void> {
  const options: Partial<DevnetOptions> = {
    dataDir: dataDir(args),
    orgs: intFlag(args, 'orgs') ?? DEFAULT_OPTIONS.orgs,
    port: intFlag(args, 'port') ?? DEFAULT_OPTIONS.port,
    batchSize: intFlag(args, 'batch-size') ?? DEFAULT_OPTIONS.batchSize,
    batchTimeoutMs: intFlag(args, 'batch-timeout') ?? DEFAULT_OPTIONS.batchTimeoutMs,
    cutWhenIdle: !args.flags.has('fabric-batching'),
    plaintext: args.flags.has('plaintext'),
  };
  const running = await runtimeOf(options.dataDir as string);
  if (running)
    throw new Error(
      `a devnet (pid ${running.pid}) already runs on ${running.endpoint} with data ${options.dataDir}`,
    );
  const began = Date.now();
  let stepStart = began;
  let step = 0;
  let lineOpen = false;
  const devnet = await startDevnet({
    ...options,
    progress: (message) => {
      const now = Date.now();
      if (step > 0) process.stdout.write(`${lineOpen ? '' : '    '} done (${now - stepStart} ms)\n`);
      step++;
      stepStart = now;
      lineOpen = false;
      if (message.startsWith('ready')) {
        process.stdout.write(`✔ devnet ${message} in ${now - began} ms\n`);
        step = 0;
      } else {
        process.stdout.write(`[${step}] ${message}…`);
        lineOpen = true;
      }
    },
    log: (line) => {
      process.stdout.write(`${lineOpen ? '\n' : ''}    ${line}\n`);
      lineOpen = false;
    },
  });
  process.stdout.write(
    `  connection file: ${path.join(devnet.dataDir, 'connection.json')}\n  data: ${devnet.dataDir}\n  stop with Ctrl-C or \`devnet stop --data ${devnet.dataDir}\`\n`,
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping devnet…\n`);
    devnet.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function stop(args: ParsedArgs): Promise<void> {
  const dir = dataDir(args);
  const runtime = await runtimeOf(dir);
  if (!runtime) {
    process.stdout.write(`no devnet is running with data ${dir}\n`);
    return;
  }
  process.kill(runtime.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(runtime.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(runtime.pid)) throw new Error(`devnet pid ${runtime.pid} did not stop within 30 s`);
  process.stdout.write(`devnet (pid ${runtime.pid}) stopped\n`);
}

async function status(args: ParsedArgs): Promise<number> {
  const dir = dataDir(args);
  const runtime = await runtimeOf(dir);
  if (!runtime) {
    const registry = await readJsonFile<{ name: string }[]>(dataPaths(dir).registry);
    process.stdout.write(
      `devnet is not running (data ${dir}${registry ? `, chaincodes: ${registry.map((c) => c.name).join(', ')}` : ''})\n`,
    );
    return 1;
  }
  const result = await callAdmin(runtime.adminPort, '/status', {}, await adminIdentity(dir), 10_000);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

async function deploy(args: ParsedArgs): Promise<void> {
  const [name, source] = args.positional;
  if (!name || !source) throw new UsageError('deploy needs <name> and <path|host:port>');
  const dir = dataDir(args);
  const runtime = await runtimeOf(dir);
  if (!runtime)
    throw new Error(`no devnet is running with data ${dir}: start one with \`devnet start --data ${dir}\``);
  const collectionsFile = stringFlag(args, 'collections');
  const inspect = args.flags.get('inspect');
  const isAddress = /^[A-Za-z0-9.-]+:\d+$/.test(source);
  const began = Date.now();
  const result = (await callAdmin(
    runtime.adminPort,
    '/deploy',
    {
      name,
      source: isAddress ? source : path.resolve(source),
      ...(stringFlag(args, 'policy') ? { policy: stringFlag(args, 'policy') } : {}),
      ...(collectionsFile ? { collections: await fs.readFile(path.resolve(collectionsFile), 'utf8') } : {}),
      ...(inspect === true
        ? { inspect: true }
        : typeof inspect === 'string'
          ? { inspect: Number(inspect) }
          : {}),
    },
    await adminIdentity(dir),
  )) as { name: string; sequence: number; policy: string };
  process.stdout.write(
    `✔ deployed ${result.name} (sequence ${result.sequence}, policy ${result.policy}) in ${Date.now() - began} ms; logs: ${path.join(dataPaths(dir).chaincodeLogs, `${name}.log`)}\n`,
  );
  if (inspect !== undefined) {
    const port = typeof inspect === 'string' ? inspect : '9229';
    process.stdout.write(
      `  Node inspector on 127.0.0.1:${port}: attach a debugger (chrome://inspect, VS Code "Attach")\n`,
    );
  }
}

/** Runs the CLI; resolves with the process exit code (start keeps running until signalled). */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const args = parseArgs(rest, new Set(['plaintext', 'fabric-batching', 'inspect', 'help']));
    switch (command) {
      case 'start':
        await start(args);
        return -1;
      case 'stop':
        await stop(args);
        return 0;
      case 'status':
        return await status(args);
      case 'deploy':
        await deploy(args);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    process.stderr.write(`devnet ${command ?? ''}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}
