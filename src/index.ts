/** The tslfs library: everything the CLI does, callable from code. */
export * from './errors/index.js';
export { encodePointer, decodePointer, tryDecodePointer, type Pointer, type DecodedPointer } from './model/pointer.js';
export { VERSION } from './version.js';
