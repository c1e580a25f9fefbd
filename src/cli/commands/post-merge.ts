/**
 * `tslfs post-merge <squash>`, run by git's post-merge hook: makes lockable files read-only.
 * `fast` handles it without commander.
 */
import { hookCommand } from '../hookCommand.js';

export const { define, fast } = hookCommand('post-merge', 1, () => ({ hook: 'post-merge' }));
