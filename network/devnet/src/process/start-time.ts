import { readFileSync } from 'node:fs';

/**
 * When a process started, as Linux records it: field 22 of /proc/<pid>/stat (`starttime`, clock ticks since boot).
 * A pid is reused once its process has gone; the pair (pid, start time) is not, so a pid file that keeps both can
 * tell its process from a stranger that got the same number. Undefined where there is no such process or no
 * /proc (not Linux).
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // field 2 is the command in parentheses and may itself hold spaces and parentheses: count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19]
  return fields[19];
}

/** Whether /proc can tell start times here (Linux). */
export function hasProcStartTimes(): boolean {
  return processStartTime(process.pid) !== undefined;
}
