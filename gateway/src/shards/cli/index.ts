import type { CliEntry } from '../../command';
import { deviceGroup } from './deviceCommands';
import { shardsGroup } from './shardsCommands';

/** `keyledger shards …` (the generator, over REST) and `keyledger device …` (a device's own side). */
export const shardsCommands: readonly CliEntry[] = [shardsGroup, deviceGroup];
