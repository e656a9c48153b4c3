import type { AnyCommand, CliEntry, CliOptions, CommandGroup } from '../command';
import { CONNECTION_OPTIONS } from './connectionOptions';
import { EXIT_CODE_HELP } from './exitCodes';

const WIDTH = 100;

function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') {
    lines.push(indent + line);
  }
  return lines.join('\n');
}

/** Two columns: names padded to the widest, then the text, wrapped under itself. */
function columns(rows: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  const hanging = ' '.repeat(indent.length + width + 2);
  return rows.map(
    ([name, text]) => `${indent}${name.padEnd(width)}  ${wrap(text, hanging).slice(hanging.length)}`,
  );
}

function argumentsOf(command: AnyCommand): string {
  return (command.args ?? []).map((arg) => (arg.required === false ? `[${arg.name}]` : arg.name)).join(' ');
}

/** `keyledger queue policy set <queue> [options]` */
export function synopsis(path: string, command: AnyCommand): string {
  const hasOptions = Object.keys(command.options).length > 0 || command.api;
  return ['keyledger', path, argumentsOf(command), hasOptions ? '[options]' : ''].filter(Boolean).join(' ');
}

function optionRows(options: CliOptions): [string, string][] {
  return Object.entries(options).map(([name, option]) => [
    `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`,
    option.description,
  ]);
}

/** Every command below `entries`, flattened to (path, command). */
export function leaves(entries: readonly CliEntry[], prefix = ''): [string, AnyCommand][] {
  return entries.flatMap((entry): [string, AnyCommand][] => {
    const path = prefix === '' ? entry.name : `${prefix} ${entry.name}`;
    return entry.kind === 'group' ? leaves(entry.children, path) : [[path, entry]];
  });
}

function commandRows(entries: readonly CliEntry[], prefix: string): [string, string][] {
  return leaves(entries, prefix).map(([path, command]) => [
    [path, argumentsOf(command)].filter(Boolean).join(' '),
    command.summary,
  ]);
}

export function commandHelp(path: string, command: AnyCommand): string {
  const sections = [`usage: ${synopsis(path, command)}`, '', wrap(command.summary, '')];
  if (command.description) {
    sections.push('', wrap(command.description, ''));
  }
  if ((command.args ?? []).length > 0) {
    sections.push(
      '',
      'arguments:',
      ...columns((command.args ?? []).map((arg) => [arg.name, arg.description])),
    );
  }
  const own = optionRows(command.options);
  if (own.length > 0) {
    sections.push('', 'options:', ...columns(own));
  }
  if (command.api) {
    sections.push('', 'connection options:', ...columns(optionRows(CONNECTION_OPTIONS)));
  }
  sections.push('', 'exit codes: see `keyledger --help`');
  return `${sections.join('\n')}\n`;
}

export function groupHelp(path: string, group: CommandGroup): string {
  return [
    `usage: keyledger ${path} <command> [options]`,
    '',
    group.summary,
    '',
    'commands:',
    ...columns(commandRows(group.children, path)),
    '',
    `\`keyledger ${path} <command> --help\` shows a command's options.`,
    '',
  ].join('\n');
}

export function rootHelp(entries: readonly CliEntry[]): string {
  const local = entries.filter((entry) =>
    entry.kind === 'command' ? !entry.api : entry.children.every((c) => c.kind === 'command' && !c.api),
  );
  const remote = entries.filter((entry) => !local.includes(entry));
  return [
    'usage: keyledger <command> [options]',
    '',
    'KeyLedger: decentralized key management on Hyperledger Fabric.',
    '',
    'run it:',
    ...columns(commandRows(local, '')),
    '',
    'use it (each command is a REST API call; URL and token come from the profile `npm start` writes):',
    ...columns(commandRows(remote, '')),
    '',
    'connection options (every command above that calls the API):',
    ...columns(optionRows(CONNECTION_OPTIONS)),
    '  Without them: KEYLEDGER_URL, KEYLEDGER_TOKEN or KEYLEDGER_AS, then the profile (KEYLEDGER_PROFILE,',
    '  default .keyledger/profile.json, whose default participant is admin).',
    '',
    'durations: 90s, 15m, 1h, 7d (units ms, s, m, h, d; 1h30m is fine).',
    '',
    'exit codes:',
    ...columns(EXIT_CODE_HELP.map(([code, text]) => [String(code), text])),
    '',
    "`keyledger <command> --help` shows a command's arguments and options.",
    '',
  ].join('\n');
}
