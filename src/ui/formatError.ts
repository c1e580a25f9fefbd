/**
 * Turn any thrown value into the text printed on stderr and the exit code. The only place that
 * decides how errors look to users.
 */
import { TslfsError } from '../errors/TslfsError.js';
import { escapeForTerminal } from './escape.js';

export function formatError(e: unknown, debug = false): { text: string; exitCode: number } {
  if (e instanceof TslfsError) {
    let text = escapeForTerminal(e.message);
    if (e.hint) text += `\n${escapeForTerminal(e.hint)}`;
    if (debug && e.stack) text += `\n${e.stack}`;
    return { text: text + '\n', exitCode: e.exitCode };
  }
  const err = e as NodeJS.ErrnoException;
  const msg = err && typeof err === 'object' && 'message' in err ? String(err.message) : String(e);
  let text = `Error: ${escapeForTerminal(msg)}\n`;
  if (debug && err?.stack) text += err.stack + '\n';
  return { text, exitCode: 2 };
}
