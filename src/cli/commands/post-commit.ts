/**
 * `tslfs post-commit`, run by git's post-commit hook: makes the lockable files changed by the new
 * commit read-only. `fast` handles it without commander.
 */
import { hookCommand } from '../hookCommand.js';

export const { define, fast } = hookCommand('post-commit', null, () => ({ hook: 'post-commit' }));
