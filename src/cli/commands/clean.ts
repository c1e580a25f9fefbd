import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { TslfsError } from '../../errors/TslfsError.js';

// Placeholder until the command lands; it fails loudly rather than pretending to work.
export function define(cmd: Command, _ctx: CliContext): void {
  cmd.allowUnknownOption().allowExcessArguments().action(() => {
    throw new TslfsError('tslfs clean is not implemented yet');
  });
}
