/** Every Lua script of the Redis store, each a .lua file with its typed twin beside it. */
export { append } from './append.js';
export { join } from './join.js';
export { leave } from './leave.js';
export { owned } from './owned.js';
export { publishStream } from './publish-stream.js';
export { read } from './read.js';
export { removeStreams } from './remove-streams.js';
export { restore } from './restore.js';
export { retire } from './retire.js';
export { setAttributes } from './set-attributes.js';
export { setQuality } from './set-quality.js';
export { setRole } from './set-role.js';
export { snapshot } from './snapshot.js';
export { tick } from './tick.js';
export { unpublishStream } from './unpublish-stream.js';
export type { Script } from './script.js';
export type { TickReply } from './tick.js';
