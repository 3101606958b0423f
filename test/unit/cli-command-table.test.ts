import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';

// The command table keeps each command's name and summary so `dms-cdc --help` loads no command module;
// they must stay what the modules say.
describe('the CLI command table', () => {
  it.each(COMMANDS.map((entry) => [entry.name, entry]))('%s loads its own command', async (_, entry) => {
    const command = await entry.load();
    expect({ name: command.name, summary: command.summary }).toEqual({
      name: entry.name,
      summary: entry.summary,
    });
  });
});
