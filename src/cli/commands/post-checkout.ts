/**
 * `tslfs post-checkout <prev> <new> <flag>`, run by git's post-checkout hook: makes lockable files
 * read-only. `fast` handles it without commander (it runs on every checkout).
 */
import { hookCommand } from '../hookCommand.js';

export const { define, fast } = hookCommand('post-checkout', 3, (args) => ({
  hook: 'post-checkout',
  prev: args[0]!,
  next: args[1]!,
  branchCheckout: args[2] === '1',
}));
